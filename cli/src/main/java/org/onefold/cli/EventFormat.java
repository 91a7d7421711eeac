package org.onefold.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.Optional;
import org.onefold.proto.Event;
import org.onefold.proto.NodeRecord;

/**
 * One line per event, for {@code ssi events} (membership) and {@code ssi reg watch} (registry
 * changes), as text or as a JSON document. An event of the other family gives no line: each command
 * shows only its own.
 */
final class EventFormat {
  private EventFormat() {}

  /**
   * {@code <time> rev N node K joined at host:port (incarnation I)}, {@code ... node K up
   * (incarnation I)}, {@code ... node K down (incarnation I): reason}, {@code ... roles: voters [1,
   * 2, 3] nonvoters [4]}.
   */
  static Optional<String> membershipLine(Event event) {
    String head = Json.time(event.getTimeMillis()) + " rev " + event.getRevision() + " ";
    return switch (event.getKindCase()) {
      case NODE_JOINED -> {
        NodeRecord node = event.getNodeJoined().getNode();
        yield Optional.of(
            head
                + "node "
                + node.getNode()
                + " joined at "
                + ClusterFormat.address(node.getAddress())
                + " (incarnation "
                + node.getIncarnation()
                + ")");
      }
      case NODE_UP ->
          Optional.of(
              head
                  + "node "
                  + event.getNodeUp().getNode()
                  + " up (incarnation "
                  + event.getNodeUp().getIncarnation()
                  + ")");
      case NODE_DOWN ->
          Optional.of(
              head
                  + "node "
                  + event.getNodeDown().getNode()
                  + " down (incarnation "
                  + event.getNodeDown().getIncarnation()
                  + "): "
                  + event.getNodeDown().getReason());
      case ROLES_CHANGED ->
          Optional.of(
              head
                  + "roles: voters "
                  + event.getRolesChanged().getVotersList()
                  + " nonvoters "
                  + event.getRolesChanged().getNonvotersList());
      case PUT, DELETED, KIND_NOT_SET -> Optional.empty();
    };
  }

  /** {@code REV put KEY VALUE} or {@code REV delete KEY (cause)}. */
  static Optional<String> registryLine(Event event) {
    return switch (event.getKindCase()) {
      case PUT ->
          Optional.of(
              event.getRevision()
                  + " put "
                  + event.getPut().getEntry().getKey()
                  + " "
                  + ValueFormat.display(event.getPut().getEntry().getValue().toByteArray()));
      case DELETED ->
          Optional.of(
              event.getRevision()
                  + " delete "
                  + event.getDeleted().getKey()
                  + " ("
                  + event.getDeleted().getCause()
                  + ")");
      case NODE_JOINED, NODE_UP, NODE_DOWN, ROLES_CHANGED, KIND_NOT_SET -> Optional.empty();
    };
  }

  static Optional<String> membershipJson(Event event) {
    return switch (event.getKindCase()) {
      case NODE_JOINED ->
          Optional.of(
              Json.document(
                  json -> {
                    NodeRecord node = event.getNodeJoined().getNode();
                    start(json, event, "joined");
                    json.writeNumberField("node", node.getNode());
                    json.writeStringField("address", ClusterFormat.address(node.getAddress()));
                    json.writeNumberField("incarnation", node.getIncarnation());
                    json.writeEndObject();
                  }));
      case NODE_UP ->
          Optional.of(
              Json.document(
                  json -> {
                    start(json, event, "up");
                    json.writeNumberField("node", event.getNodeUp().getNode());
                    json.writeNumberField("incarnation", event.getNodeUp().getIncarnation());
                    json.writeEndObject();
                  }));
      case NODE_DOWN ->
          Optional.of(
              Json.document(
                  json -> {
                    start(json, event, "down");
                    json.writeNumberField("node", event.getNodeDown().getNode());
                    json.writeNumberField("incarnation", event.getNodeDown().getIncarnation());
                    json.writeStringField("reason", event.getNodeDown().getReason());
                    json.writeEndObject();
                  }));
      case ROLES_CHANGED ->
          Optional.of(
              Json.document(
                  json -> {
                    start(json, event, "roles");
                    json.writeArrayFieldStart("voters");
                    for (int voter : event.getRolesChanged().getVotersList()) {
                      json.writeNumber(voter);
                    }
                    json.writeEndArray();
                    json.writeArrayFieldStart("nonvoters");
                    for (int nonvoter : event.getRolesChanged().getNonvotersList()) {
                      json.writeNumber(nonvoter);
                    }
                    json.writeEndArray();
                    json.writeEndObject();
                  }));
      case PUT, DELETED, KIND_NOT_SET -> Optional.empty();
    };
  }

  static Optional<String> registryJson(Event event) {
    return switch (event.getKindCase()) {
      case PUT ->
          Optional.of(
              Json.document(
                  json -> {
                    start(json, event, "put");
                    json.writeFieldName("entry");
                    Json.keyValue(json, event.getPut().getEntry());
                    json.writeEndObject();
                  }));
      case DELETED ->
          Optional.of(
              Json.document(
                  json -> {
                    start(json, event, "delete");
                    json.writeStringField("key", event.getDeleted().getKey());
                    json.writeStringField("cause", event.getDeleted().getCause());
                    json.writeEndObject();
                  }));
      case NODE_JOINED, NODE_UP, NODE_DOWN, ROLES_CHANGED, KIND_NOT_SET -> Optional.empty();
    };
  }

  private static void start(JsonGenerator json, Event event, String type) throws IOException {
    json.writeStartObject();
    json.writeNumberField("revision", event.getRevision());
    json.writeStringField("time", Json.time(event.getTimeMillis()));
    json.writeStringField("event", type);
  }
}
