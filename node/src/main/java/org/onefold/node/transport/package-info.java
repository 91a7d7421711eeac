/**
 * How nodes and local programs reach a node.
 *
 * <p>Between nodes: mutual TLS with the cluster's CA ({@link org.onefold.node.transport.ClusterCa},
 * {@link org.onefold.node.transport.NodeIdentity}, {@link org.onefold.node.transport.JoinToken},
 * {@link org.onefold.node.transport.TlsContexts}, {@link
 * org.onefold.node.transport.NodeCertificateInterceptor}).
 *
 * <p>On the machine: {@link org.onefold.node.transport.UnixSocketServer}, whose connections carry
 * the caller's kernel credentials (SO_PEERCRED, through FFM calls to libc). One acceptor thread;
 * one thread per connection.
 */
package org.onefold.node.transport;
