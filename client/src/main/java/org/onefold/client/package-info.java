/**
 * The Java client library (libcluster): a program's way to its node's daemon.
 *
 * <p>Entry point: {@link org.onefold.client.OnefoldClient#connect}. Calls go as length-delimited
 * protobuf over the node's Unix socket; the daemon knows the caller from the kernel (SO_PEERCRED),
 * so nothing here claims an identity. A client is safe for use from several threads: calls on one
 * connection take turns, and each watch has a connection of its own.
 */
package org.onefold.client;
