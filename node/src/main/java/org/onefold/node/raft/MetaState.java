package org.onefold.node.raft;

import com.google.protobuf.ByteString;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.onefold.node.membership.NodeTable;
import org.onefold.node.registry.KeySpace;
import org.onefold.node.registry.Limits;
import org.onefold.proto.Event;
import org.onefold.proto.KeyDeleted;
import org.onefold.proto.KeyPut;
import org.onefold.proto.KeyValue;
import org.onefold.proto.NodeDown;
import org.onefold.proto.NodeJoined;
import org.onefold.proto.NodeRecord;
import org.onefold.proto.NodeUp;
import org.onefold.proto.RolesChanged;
import org.onefold.proto.meta.AddNode;
import org.onefold.proto.meta.Batch;
import org.onefold.proto.meta.Bootstrap;
import org.onefold.proto.meta.DeclareDown;
import org.onefold.proto.meta.Delete;
import org.onefold.proto.meta.ErrorCode;
import org.onefold.proto.meta.MetaCommand;
import org.onefold.proto.meta.MetaQuery;
import org.onefold.proto.meta.MetaQueryReply;
import org.onefold.proto.meta.MetaReply;
import org.onefold.proto.meta.MetaSnapshot;
import org.onefold.proto.meta.NodeStarted;
import org.onefold.proto.meta.Put;
import org.onefold.proto.meta.TokenGrant;

/**
 * What the meta group agrees on: the cluster's identity and CA, the join tokens, the node table,
 * the registry and the Raft roles, plus the ordered event stream they produce. Every node applies
 * the same commands in the same order and so holds the same state and the same events with the same
 * revisions.
 *
 * <p>Applying is deterministic: time comes in each command (the proposer's clock), never from a
 * clock here. A refused command is an answer (an error code and a message), never an exception: an
 * exception from apply would stop the Raft server.
 *
 * <p>The revision counts state changes: each command that changes something takes the next
 * revision, and every event it produces carries it.
 *
 * <p>Not thread-safe: MetaStateMachine applies on Ratis' single apply thread and takes its lock for
 * reads from other threads.
 */
public final class MetaState {
  private String clusterId = "";
  private ByteString caCertificateDer = ByteString.EMPTY;
  private ByteString caPrivateKeyDer = ByteString.EMPTY;
  private final List<TokenGrant> tokens = new ArrayList<>();
  private final NodeTable nodes = new NodeTable();
  private final KeySpace keys = new KeySpace();
  private final EventHistory history;
  private List<Integer> voters = List.of();
  private List<Integer> nonvoters = List.of();
  private long revision;

  /** Time of the last applied command: the stamp for events that carry no time of their own. */
  private long lastTimeMillis;

  /** What applying one command gave: the answer for the proposer, and the events for watchers. */
  public record Applied(MetaReply reply, List<Event> events) {}

  public MetaState() {
    this(Limits.EVENT_HISTORY_MAX);
  }

  MetaState(int eventHistoryMax) {
    this.history = new EventHistory(eventHistoryMax);
  }

  public Applied apply(MetaCommand command) {
    if (command.hasBatch()) {
      return applyBatch(command.getBatch());
    }
    lastTimeMillis = Math.max(lastTimeMillis, command.getTimeMillis());
    if (!initialized() && !command.hasBootstrap()) {
      return refused(ErrorCode.NOT_INITIALIZED, "the cluster is not bootstrapped yet");
    }
    return switch (command.getKindCase()) {
      case BOOTSTRAP -> bootstrap(command.getBootstrap(), command.getTimeMillis());
      case ADD_TOKEN -> {
        pruneExpiredTokens(command.getTimeMillis());
        tokens.add(command.getAddToken().getToken());
        yield new Applied(MetaReply.newBuilder().setRevision(revision).build(), List.of());
      }
      case ADD_NODE -> addNode(command.getAddNode(), command.getTimeMillis());
      case NODE_STARTED -> nodeStarted(command, command.getNodeStarted());
      case DECLARE_DOWN -> declareDown(command.getDeclareDown(), command.getTimeMillis());
      case PUT -> put(command, command.getPut());
      case DELETE -> delete(command, command.getDelete());
      case BATCH -> throw new IllegalStateException("batches are applied by applyBatch");
      case KIND_NOT_SET -> refused(ErrorCode.INVALID, "empty command");
    };
  }

  /**
   * Applies a batch's commands in order, exactly as if each had its own log entry: one reply per
   * command, the events of all. A batch inside a batch is refused, alone.
   */
  private Applied applyBatch(Batch batch) {
    MetaReply.Builder replies = MetaReply.newBuilder();
    List<Event> events = new ArrayList<>();
    for (MetaCommand command : batch.getCommandsList()) {
      Applied applied =
          command.hasBatch()
              ? refused(ErrorCode.INVALID, "a batch inside a batch")
              : apply(command);
      replies.addBatchReplies(applied.reply());
      events.addAll(applied.events());
    }
    return new Applied(replies.setRevision(revision).build(), events);
  }

  public MetaQueryReply query(MetaQuery query) {
    MetaQueryReply.Builder reply = MetaQueryReply.newBuilder().setRevision(revision);
    switch (query.getKindCase()) {
      case GET -> keys.get(query.getGet().getKey()).ifPresent(reply::addEntries);
      case LIST ->
          reply.addAllEntries(keys.list(query.getList().getPrefix(), query.getList().getLimit()));
      case KIND_NOT_SET -> reply.setError(ErrorCode.INVALID).setMessage("empty query");
    }
    return reply.build();
  }

  /**
   * The Raft configuration changed (applied from the log on every node): records the roles and
   * emits a RolesChanged event if they differ from what was known.
   */
  public List<Event> changeRoles(List<Integer> newVoters, List<Integer> newNonvoters) {
    List<Integer> sortedVoters = newVoters.stream().sorted().toList();
    List<Integer> sortedNonvoters = newNonvoters.stream().sorted().toList();
    if (sortedVoters.equals(voters) && sortedNonvoters.equals(nonvoters)) {
      return List.of();
    }
    voters = sortedVoters;
    nonvoters = sortedNonvoters;
    revision++;
    Event event =
        event(lastTimeMillis)
            .setRolesChanged(
                RolesChanged.newBuilder().addAllVoters(voters).addAllNonvoters(nonvoters))
            .build();
    history.append(event);
    return List.of(event);
  }

  private Applied bootstrap(Bootstrap bootstrap, long nowMillis) {
    if (initialized()) {
      return refused(ErrorCode.INVALID, "the cluster " + clusterId + " is bootstrapped already");
    }
    clusterId = bootstrap.getClusterId();
    caCertificateDer = bootstrap.getCaCertificateDer();
    caPrivateKeyDer = bootstrap.getCaPrivateKeyDer();
    tokens.add(bootstrap.getToken());
    return joined(nodes.add(bootstrap.getFirstNode(), nowMillis), nowMillis);
  }

  private Applied addNode(AddNode add, long nowMillis) {
    pruneExpiredTokens(nowMillis);
    boolean tokenValid =
        tokens.stream()
            .anyMatch(
                token ->
                    MessageDigest.isEqual(
                        token.getSecretSha256().toByteArray(),
                        add.getTokenSecretSha256().toByteArray()));
    if (!tokenValid) {
      return refused(
          ErrorCode.TOKEN_REFUSED,
          "the join token is wrong or has expired; make a new one with 'ssi token create'");
    }
    return joined(nodes.add(add.getAddress(), nowMillis), nowMillis);
  }

  private Applied joined(NodeTable.Change change, long nowMillis) {
    return switch (change) {
      case NodeTable.Refused refusal -> refused(ErrorCode.INVALID, refusal.reason());
      case NodeTable.Accepted accepted -> {
        NodeRecord record = accepted.record();
        Event event =
            nextEvent(nowMillis).setNodeJoined(NodeJoined.newBuilder().setNode(record)).build();
        history.append(event);
        yield new Applied(
            MetaReply.newBuilder()
                .setRevision(revision)
                .setNode(record.getNode())
                .setIncarnation(record.getIncarnation())
                .build(),
            List.of(event));
      }
    };
  }

  private Applied nodeStarted(MetaCommand command, NodeStarted started) {
    if (command.getOriginNode() != started.getNode()) {
      return refused(
          ErrorCode.INVALID,
          "node " + command.getOriginNode() + " cannot start node " + started.getNode());
    }
    NodeTable.Change change =
        nodes.start(started.getNode(), started.getAddress(), command.getTimeMillis());
    return switch (change) {
      case NodeTable.Refused refusal -> refused(ErrorCode.INVALID, refusal.reason());
      case NodeTable.Accepted accepted -> {
        NodeRecord record = accepted.record();
        List<Event> events = new ArrayList<>();
        nextRevision();
        // Keys bound to the earlier incarnation die with it, even if no one declared it down.
        for (String key : keys.deleteBoundTo(record.getNode())) {
          events.add(keyDeleted(key, "node-restart", command.getTimeMillis()));
        }
        events.add(
            event(command.getTimeMillis())
                .setNodeUp(
                    NodeUp.newBuilder()
                        .setNode(record.getNode())
                        .setIncarnation(record.getIncarnation()))
                .build());
        events.forEach(history::append);
        yield new Applied(
            MetaReply.newBuilder()
                .setRevision(revision)
                .setNode(record.getNode())
                .setIncarnation(record.getIncarnation())
                .build(),
            events);
      }
    };
  }

  private Applied declareDown(DeclareDown down, long nowMillis) {
    NodeTable.Change change = nodes.declareDown(down.getNode(), down.getIncarnation(), nowMillis);
    return switch (change) {
      // A late or repeated declaration: the node already restarted or is down. Not an error.
      case NodeTable.Refused refusal ->
          new Applied(
              MetaReply.newBuilder().setRevision(revision).setMessage(refusal.reason()).build(),
              List.of());
      case NodeTable.Accepted accepted -> {
        nextRevision();
        List<Event> events = new ArrayList<>();
        events.add(
            event(nowMillis)
                .setNodeDown(
                    NodeDown.newBuilder()
                        .setNode(down.getNode())
                        .setIncarnation(down.getIncarnation())
                        .setReason(down.getReason()))
                .build());
        for (String key : keys.deleteBoundTo(down.getNode())) {
          events.add(keyDeleted(key, "node-down", nowMillis));
        }
        events.forEach(history::append);
        yield new Applied(MetaReply.newBuilder().setRevision(revision).build(), events);
      }
    };
  }

  private Applied put(MetaCommand command, Put put) {
    Optional<Applied> fenced = checkOrigin(command);
    if (fenced.isPresent()) {
      return fenced.get();
    }
    if (put.getBindToOrigin() && command.getOriginNode() == 0) {
      return refused(ErrorCode.INVALID, "a key can be bound only to a node; this write names none");
    }
    OptionalLong expected =
        put.hasExpectedModRevision()
            ? OptionalLong.of(put.getExpectedModRevision())
            : OptionalLong.empty();
    int boundNode = put.getBindToOrigin() ? command.getOriginNode() : 0;
    KeySpace.Written written =
        keys.put(put.getKey(), put.getValue(), expected, boundNode, revision + 1);
    if (!written.accepted()) {
      return refused(errorOf(written.refusal()), written.message());
    }
    nextRevision();
    KeyValue entry = keys.get(put.getKey()).orElseThrow();
    Event event =
        event(command.getTimeMillis()).setPut(KeyPut.newBuilder().setEntry(entry)).build();
    history.append(event);
    MetaReply.Builder reply = MetaReply.newBuilder().setRevision(revision);
    written.previous().ifPresent(reply::setPrevious);
    return new Applied(reply.build(), List.of(event));
  }

  private Applied delete(MetaCommand command, Delete delete) {
    Optional<Applied> fenced = checkOrigin(command);
    if (fenced.isPresent()) {
      return fenced.get();
    }
    OptionalLong expected =
        delete.hasExpectedModRevision()
            ? OptionalLong.of(delete.getExpectedModRevision())
            : OptionalLong.empty();
    KeySpace.Written written = keys.delete(delete.getKey(), expected, delete.getPrefix());
    if (!written.accepted()) {
      return refused(errorOf(written.refusal()), written.message());
    }
    MetaReply.Builder reply = MetaReply.newBuilder().setDeleted(written.deletedKeys().size());
    written.previous().ifPresent(reply::setPrevious);
    if (written.deletedKeys().isEmpty()) {
      return new Applied(reply.setRevision(revision).build(), List.of());
    }
    nextRevision();
    List<Event> events = new ArrayList<>();
    for (String key : written.deletedKeys()) {
      events.add(keyDeleted(key, "delete", command.getTimeMillis()));
    }
    events.forEach(history::append);
    return new Applied(reply.setRevision(revision).build(), events);
  }

  /**
   * Commands from a node must carry its current incarnation; anything else is a fenced node's
   * leftover.
   */
  private Optional<Applied> checkOrigin(MetaCommand command) {
    if (command.getOriginNode() == 0
        || nodes.isCurrent(command.getOriginNode(), command.getOriginIncarnation())) {
      return Optional.empty();
    }
    String now =
        nodes
            .get(command.getOriginNode())
            .map(
                record ->
                    "is at incarnation " + record.getIncarnation() + " and " + record.getState())
            .orElse("is not in the node table");
    return Optional.of(
        refused(
            ErrorCode.FENCED,
            "request from node "
                + command.getOriginNode()
                + " incarnation "
                + command.getOriginIncarnation()
                + " refused: the node "
                + now
                + "; was the node fenced?"));
  }

  private void pruneExpiredTokens(long nowMillis) {
    tokens.removeIf(
        token -> token.getExpiresMillis() != 0 && token.getExpiresMillis() <= nowMillis);
  }

  private Event keyDeleted(String key, String cause, long nowMillis) {
    return event(nowMillis).setDeleted(KeyDeleted.newBuilder().setKey(key).setCause(cause)).build();
  }

  private Event.Builder nextEvent(long nowMillis) {
    nextRevision();
    return event(nowMillis);
  }

  private Event.Builder event(long nowMillis) {
    return Event.newBuilder().setRevision(revision).setTimeMillis(nowMillis);
  }

  private void nextRevision() {
    revision++;
  }

  private Applied refused(ErrorCode code, String message) {
    return new Applied(
        MetaReply.newBuilder().setError(code).setMessage(message).setRevision(revision).build(),
        List.of());
  }

  private static ErrorCode errorOf(KeySpace.Refusal refusal) {
    return switch (refusal) {
      case INVALID -> ErrorCode.INVALID;
      case TOO_LARGE -> ErrorCode.TOO_LARGE;
      case CONFLICT -> ErrorCode.CONFLICT;
    };
  }

  public boolean initialized() {
    return !clusterId.isEmpty();
  }

  public String clusterId() {
    return clusterId;
  }

  public ByteString caCertificateDer() {
    return caCertificateDer;
  }

  public ByteString caPrivateKeyDer() {
    return caPrivateKeyDer;
  }

  public NodeTable nodes() {
    return nodes;
  }

  public List<Integer> voters() {
    return voters;
  }

  public List<Integer> nonvoters() {
    return nonvoters;
  }

  public long revision() {
    return revision;
  }

  /** Events from fromRevision on, or empty if some were compacted away. */
  public Optional<List<Event>> eventsSince(long fromRevision) {
    return history.since(fromRevision);
  }

  public MetaSnapshot snapshot() {
    return MetaSnapshot.newBuilder()
        .setClusterId(clusterId)
        .setCaCertificateDer(caCertificateDer)
        .setCaPrivateKeyDer(caPrivateKeyDer)
        .setRevision(revision)
        .setNextNode(nodes.nextNode())
        .addAllNodes(nodes.all())
        .addAllTokens(tokens)
        .addAllEntries(keys.all())
        .addAllVoters(voters)
        .addAllNonvoters(nonvoters)
        .build();
  }

  public void restore(MetaSnapshot snapshot) {
    clusterId = snapshot.getClusterId();
    caCertificateDer = snapshot.getCaCertificateDer();
    caPrivateKeyDer = snapshot.getCaPrivateKeyDer();
    revision = snapshot.getRevision();
    nodes.restore(snapshot.getNodesList(), snapshot.getNextNode());
    tokens.clear();
    tokens.addAll(snapshot.getTokensList());
    keys.restore(snapshot.getEntriesList());
    voters = List.copyOf(snapshot.getVotersList());
    nonvoters = List.copyOf(snapshot.getNonvotersList());
    history.resetTo(revision);
  }
}
