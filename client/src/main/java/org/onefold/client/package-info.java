/**
 * The Java client library (libcluster): a program's way to its node's daemon.
 *
 * <p>Entry point: {@link org.onefold.client.OnefoldClient#connect}. Calls go as length-delimited
 * protobuf over the node's Unix socket; the daemon knows the caller from the kernel (SO_PEERCRED),
 * so nothing here claims an identity. A client is safe for use from several threads: calls on one
 * connection take turns, and each watch has a connection of its own.
 *
 * <p>A program's run ({@link org.onefold.client.OnefoldClient#run}) is the exception to the
 * generated classes: its messages are written and read by hand ({@code RunWire}), and its API
 * speaks in plain records ({@link org.onefold.client.ProgramStart}, {@link
 * org.onefold.client.ProgramEvent}), so that {@code ssi onnode} never pays for protobuf's
 * descriptors at start-up.
 */
package org.onefold.client;
