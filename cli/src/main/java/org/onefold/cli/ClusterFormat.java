package org.onefold.cli;

import java.util.ArrayList;
import java.util.List;
import org.onefold.proto.NodeAddress;
import org.onefold.proto.NodeRecord;
import org.onefold.proto.NodeState;
import org.onefold.proto.local.ClusterReply;
import org.onefold.proto.local.NodeStatus;

/**
 * The node table as {@code ssi cluster} prints it: an aligned text table for people (the leader's
 * number marked with *), or one JSON document for programs:
 *
 * <pre>
 * {"cluster": ID, "leader": N, "nodes": [{"node": N, "address": "host:port",
 *   "state": "up"|"down", "incarnation": N, "role": "leader"|"voter"|"nonvoter",
 *   "since": ISO-8601 UTC, "joined": ISO-8601 UTC}],
 *  "filesystem": {"leader": N, "replicas": [N, ...]}}
 * </pre>
 *
 * The filesystem's leader and replicas are as the answering node knows them (leader 0: none known,
 * or the node holds no replica).
 */
final class ClusterFormat {
  private static final List<String> HEADINGS =
      List.of("NODE", "ADDRESS", "STATE", "INCARNATION", "ROLE", "SINCE");

  private ClusterFormat() {}

  static String table(ClusterReply reply) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(HEADINGS);
    for (NodeStatus status : reply.getNodesList()) {
      NodeRecord node = status.getRecord();
      String number =
          node.getNode() == reply.getLeader()
              ? node.getNode() + "*"
              : Integer.toString(node.getNode());
      rows.add(
          List.of(
              number,
              address(node.getAddress()),
              state(node.getState()),
              Long.toString(node.getIncarnation()),
              status.getRole(),
              UtcTime.seconds(node.getSinceMillis())));
    }
    return align(rows);
  }

  static String json(ClusterReply reply) {
    return Json.document(
        json -> {
          json.writeStartObject();
          json.writeStringField("cluster", reply.getClusterId());
          json.writeNumberField("leader", reply.getLeader());
          json.writeArrayFieldStart("nodes");
          for (NodeStatus status : reply.getNodesList()) {
            NodeRecord node = status.getRecord();
            json.writeStartObject();
            json.writeNumberField("node", node.getNode());
            json.writeStringField("address", address(node.getAddress()));
            json.writeStringField("state", state(node.getState()));
            json.writeNumberField("incarnation", node.getIncarnation());
            json.writeStringField("role", status.getRole());
            json.writeStringField("since", Json.time(node.getSinceMillis()));
            json.writeStringField("joined", Json.time(node.getJoinedMillis()));
            json.writeEndObject();
          }
          json.writeEndArray();
          json.writeObjectFieldStart("filesystem");
          json.writeNumberField("leader", reply.getFilesystemLeader());
          json.writeArrayFieldStart("replicas");
          for (int replica : reply.getFilesystemReplicasList()) {
            json.writeNumber(replica);
          }
          json.writeEndArray();
          json.writeEndObject();
          json.writeEndObject();
        });
  }

  /** host:port of the node's RPC endpoint, the address other nodes join at. */
  static String address(NodeAddress address) {
    return address.getHost() + ":" + address.getRpcPort();
  }

  static String state(NodeState state) {
    return switch (state) {
      case NODE_UP -> "up";
      case NODE_DOWN -> "down";
      case NODE_STATE_UNSPECIFIED, UNRECOGNIZED -> "unknown";
    };
  }

  /** Columns padded to their widest cell, two spaces apart; no trailing blanks. */
  static String align(List<List<String>> rows) {
    int columns = rows.getFirst().size();
    int[] widths = new int[columns];
    for (List<String> row : rows) {
      for (int column = 0; column < columns; column++) {
        widths[column] = Math.max(widths[column], row.get(column).length());
      }
    }
    StringBuilder text = new StringBuilder();
    for (List<String> row : rows) {
      StringBuilder line = new StringBuilder();
      for (int column = 0; column < columns; column++) {
        line.append(row.get(column));
        if (column < columns - 1) {
          line.append(" ".repeat(widths[column] - row.get(column).length() + 2));
        }
      }
      text.append(line.toString().stripTrailing()).append('\n');
    }
    return text.toString();
  }
}
