package org.onefold.node.transport;

/**
 * Who is at the other end of a local connection, as the kernel recorded it when the peer connected
 * (SO_PEERCRED): its pid and effective uid and gid. Never taken from a request.
 */
public record PeerCredentials(int pid, int uid, int gid) {}
