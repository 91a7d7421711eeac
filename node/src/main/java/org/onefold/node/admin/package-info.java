/**
 * The local API that the ssi command and the client library use: {@link
 * org.onefold.node.admin.LocalApi} answers requests on the socket server's connection threads;
 * {@link org.onefold.node.admin.Watches} streams events from this node's applied log.
 */
package org.onefold.node.admin;
