package org.onefold.node.raft;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;

/** How node numbers and cluster ids map to Ratis' peer and group ids. */
public final class PeerIds {
  private static final String PREFIX = "n";

  private PeerIds() {}

  public static RaftPeerId peerOf(int node) {
    return RaftPeerId.valueOf(PREFIX + node);
  }

  /** The node number in a peer id such as "n3", or empty if the id is not one of ours. */
  public static Optional<Integer> nodeOf(String peerId) {
    if (!peerId.startsWith(PREFIX)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Integer.parseInt(peerId.substring(PREFIX.length())));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** The meta group's id: the cluster id itself, which is a UUID. */
  public static RaftGroupId metaGroupOf(String clusterId) {
    return RaftGroupId.valueOf(UUID.fromString(clusterId));
  }

  /** The filesystem group's id: derived from the cluster id, the same on every node. */
  public static RaftGroupId fsGroupOf(String clusterId) {
    return RaftGroupId.valueOf(
        UUID.nameUUIDFromBytes(("onefold-fs:" + clusterId).getBytes(StandardCharsets.UTF_8)));
  }
}
