package org.onefold.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The node table as {@code ssi cluster --json} prints it, parsed: {@code {"cluster": ID, "leader":
 * N, "nodes": [{"node", "address", "state", "incarnation", "role", "since", "joined"}],
 * "filesystem": {"leader": N, "replicas": [N, ...]}}}.
 */
record ClusterView(
    String cluster,
    int leader,
    List<Member> nodes,
    int filesystemLeader,
    List<Integer> filesystemReplicas) {
  record Member(int node, String address, String state, long incarnation, String role) {
    boolean up() {
      return state.equals("up");
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  static ClusterView parse(String json) {
    try {
      JsonNode root = JSON.readTree(json);
      List<Member> members = new ArrayList<>();
      for (JsonNode node : root.get("nodes")) {
        members.add(
            new Member(
                node.get("node").asInt(),
                node.get("address").asText(),
                node.get("state").asText(),
                node.get("incarnation").asLong(),
                node.get("role").asText()));
      }
      List<Integer> replicas = new ArrayList<>();
      root.get("filesystem").get("replicas").forEach(replica -> replicas.add(replica.asInt()));
      return new ClusterView(
          root.get("cluster").asText(),
          root.get("leader").asInt(),
          List.copyOf(members),
          root.get("filesystem").get("leader").asInt(),
          List.copyOf(replicas));
    } catch (Exception e) {
      throw new IllegalArgumentException("not the JSON of ssi cluster --json: " + json, e);
    }
  }

  Optional<Member> member(int node) {
    return nodes.stream().filter(member -> member.node() == node).findFirst();
  }

  boolean allUp(int count) {
    return nodes.size() == count && nodes.stream().allMatch(Member::up);
  }
}
