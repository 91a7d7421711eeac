package org.onefold.node.transport;

import java.util.List;

/**
 * Who is at the other end of a local connection, as the kernel recorded it when the peer connected
 * (SO_PEERCRED, SO_PEERGROUPS): its pid, effective uid and gid, and supplementary groups. Never
 * taken from a request.
 */
public record PeerCredentials(int pid, int uid, int gid, List<Integer> groups) {
  public PeerCredentials {
    groups = List.copyOf(groups);
  }
}
