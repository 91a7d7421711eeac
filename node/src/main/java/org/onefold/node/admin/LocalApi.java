package org.onefold.node.admin;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.onefold.node.proc.ClusterProcesses;
import org.onefold.node.proc.RunForwarder;
import org.onefold.node.raft.MetaGroup;
import org.onefold.node.raft.MetaState;
import org.onefold.node.raft.PeerIds;
import org.onefold.node.registry.KeySpace;
import org.onefold.node.transport.ClusterCa;
import org.onefold.node.transport.ConnectionHandler;
import org.onefold.node.transport.JoinToken;
import org.onefold.node.transport.LocalConnection;
import org.onefold.node.transport.PeerCredentials;
import org.onefold.node.transport.Signals;
import org.onefold.proto.NodeRecord;
import org.onefold.proto.local.ClusterReply;
import org.onefold.proto.local.DeleteReply;
import org.onefold.proto.local.DeleteRequest;
import org.onefold.proto.local.Error;
import org.onefold.proto.local.GetReply;
import org.onefold.proto.local.KillReply;
import org.onefold.proto.local.KillRequest;
import org.onefold.proto.local.ListReply;
import org.onefold.proto.local.NodeStatus;
import org.onefold.proto.local.PutReply;
import org.onefold.proto.local.PutRequest;
import org.onefold.proto.local.Request;
import org.onefold.proto.local.Response;
import org.onefold.proto.local.TokenReply;
import org.onefold.proto.local.WhereReply;
import org.onefold.proto.meta.AddToken;
import org.onefold.proto.meta.Delete;
import org.onefold.proto.meta.ErrorCode;
import org.onefold.proto.meta.Get;
import org.onefold.proto.meta.MetaCommand;
import org.onefold.proto.meta.MetaQuery;
import org.onefold.proto.meta.MetaQueryReply;
import org.onefold.proto.meta.MetaReply;
import org.onefold.proto.meta.Put;
import org.onefold.proto.meta.TokenGrant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local API: what the ssi command and the client library ask this node over its Unix socket.
 * Mostly argument checking and translation, as the untrusted edge should be: the caller's identity
 * comes from the kernel (the connection's peer credentials), writes go to the meta group stamped
 * with this node's number and incarnation, and reads go through the leader so that they are
 * linearizable.
 *
 * <p>Each connection runs on its own thread (the socket server's); requests on it are answered in
 * order. Watches are handed to {@link Watches}, runs of programs to {@link RunForwarder}.
 */
public final class LocalApi implements ConnectionHandler {
  private static final Logger log = LoggerFactory.getLogger(LocalApi.class);

  /** A request's encoded size: a 1 MiB value plus key and envelope, with room to spare. */
  static final int REQUEST_BYTES_MAX = 2 << 20;

  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

  private final int self;
  private final LongSupplier incarnation;
  private final MetaGroup meta;
  private final Watches watches;
  private final InstantSource clock;
  private final SecureRandom random;
  private final int ownerUid;
  private final Duration tokenTtl;
  private final RunForwarder runs;
  private final ClusterProcesses processes;

  public LocalApi(
      int self,
      LongSupplier incarnation,
      MetaGroup meta,
      InstantSource clock,
      SecureRandom random,
      int ownerUid,
      Duration tokenTtl,
      RunForwarder runs,
      ClusterProcesses processes) {
    this.self = self;
    this.incarnation = incarnation;
    this.meta = meta;
    this.watches = new Watches(meta.stateMachine());
    this.clock = clock;
    this.random = random;
    this.ownerUid = ownerUid;
    this.tokenTtl = tokenTtl;
    this.runs = runs;
    this.processes = processes;
  }

  @Override
  public void serve(LocalConnection connection) throws IOException {
    InputStream input = connection.input();
    OutputStream output = new BufferedOutputStream(connection.output());
    while (true) {
      Optional<Request> request = readRequest(input, output);
      if (request.isEmpty()) {
        return;
      }
      switch (request.get().getCallCase()) {
        case WATCH -> {
          watches.watchKeys(request.get().getWatch(), input, output);
          return;
        }
        case EVENTS -> {
          watches.watchMembership(request.get().getEvents(), input, output);
          return;
        }
        case RUN -> {
          runs.serve(
              request.get().getRun(),
              connection.peer(),
              () -> readRequest(input, output),
              output,
              connection);
          return;
        }
        default -> {
          answer(request.get(), connection.peer()).writeDelimitedTo(output);
          output.flush();
        }
      }
    }
  }

  /** The next request, or empty at the end of the stream or after answering an oversized one. */
  private static Optional<Request> readRequest(InputStream input, OutputStream output)
      throws IOException {
    int first = input.read();
    if (first == -1) {
      return Optional.empty();
    }
    int length = CodedInputStream.readRawVarint32(first, input);
    if (length < 0 || length > REQUEST_BYTES_MAX) {
      error(Error.Code.TOO_LARGE, "request of " + length + " bytes; at most " + REQUEST_BYTES_MAX)
          .writeDelimitedTo(output);
      output.flush();
      return Optional.empty();
    }
    byte[] bytes = input.readNBytes(length);
    if (bytes.length < length) {
      return Optional.empty();
    }
    return Optional.of(Request.parseFrom(bytes));
  }

  Response answer(Request request, PeerCredentials peer) {
    try {
      return switch (request.getCallCase()) {
        case CLUSTER -> Response.newBuilder().setCluster(cluster()).build();
        case GET -> get(request.getGet().getKey());
        case PUT -> put(request.getPut());
        case DELETE -> delete(request.getDelete());
        case LIST -> list(request.getList().getPrefix(), request.getList().getLimit());
        case TOKEN -> token(request.getToken().getTtlSeconds(), peer);
        case WATCH, EVENTS, RUN -> throw new IllegalStateException("streams are served by serve()");
        case RUN_INPUT -> error(Error.Code.INVALID, "input for a run that is not under way");
        case PS -> Response.newBuilder().setPs(processes.ps(request.getPs())).build();
        case KILL -> kill(request.getKill(), peer);
        case WHERE ->
            processes
                .where(request.getWhere().getCpid())
                .map(
                    node ->
                        Response.newBuilder()
                            .setWhere(WhereReply.newBuilder().setNode(node))
                            .build())
                .orElseGet(() -> noSuchProcess(request.getWhere().getCpid()));
        case WAIT -> waitFor(request.getWait().getCpid(), peer);
        case CALL_NOT_SET -> error(Error.Code.INVALID, "empty request");
      };
    } catch (TimeoutException e) {
      return error(
          Error.Code.UNAVAILABLE,
          "the meta group did not answer within "
              + CALL_TIMEOUT.toSeconds()
              + " s; is a majority of voters up?");
    } catch (ExecutionException | CompletionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      log.debug("call failed", cause);
      return error(
          Error.Code.UNAVAILABLE, "the meta group could not answer: " + cause.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return error(Error.Code.UNAVAILABLE, "the node is stopping");
    }
  }

  /** kill(2) clusterwide; errors worded as kill(1) words them. */
  private Response kill(KillRequest request, PeerCredentials peer) {
    if (request.getSignal() < 0 || request.getSignal() > Signals.SIGNAL_MAX) {
      return error(Error.Code.INVALID, request.getSignal() + ": invalid signal specification");
    }
    int errno = processes.kill(request, peer);
    return switch (errno) {
      case 0 -> Response.newBuilder().setKill(KillReply.getDefaultInstance()).build();
      case 1 ->
          error(
              Error.Code.PERMISSION,
              "("
                  + (request.getGroup() ? "-" : "")
                  + request.getCpid()
                  + ") - Operation not permitted");
      case 3 -> noSuchProcess(request.getCpid());
      default -> error(Error.Code.INVALID, "(" + request.getCpid() + ") - errno " + errno);
    };
  }

  /** ssi wait: blocks this connection's thread until the program ends or is lost. */
  private Response waitFor(long cpid, PeerCredentials peer) throws InterruptedException {
    return switch (processes.waitFor(cpid, peer)) {
      case ClusterProcesses.WaitOutcome.Ended ended ->
          Response.newBuilder().setWait(ended.reply()).build();
      case ClusterProcesses.WaitOutcome.Refused refused -> error(refused.code(), refused.message());
    };
  }

  private static Response noSuchProcess(long cpid) {
    return error(Error.Code.NOT_FOUND, "(" + cpid + ") - No such process");
  }

  private ClusterReply cluster() {
    int leader = meta.leaderNode();
    return meta.stateMachine()
        .read(
            state -> {
              ClusterReply.Builder reply =
                  ClusterReply.newBuilder()
                      .setClusterId(state.clusterId())
                      .setLeader(leader)
                      .setSelf(self)
                      .setRevision(state.revision());
              meta.groupView(PeerIds.fsGroupOf(state.clusterId()))
                  .ifPresent(
                      filesystem ->
                          reply
                              .setFilesystemLeader(filesystem.leader())
                              .addAllFilesystemReplicas(filesystem.voters()));
              for (NodeRecord record : state.nodes().all()) {
                reply.addNodes(
                    NodeStatus.newBuilder()
                        .setRecord(record)
                        .setRole(roleOf(state, record.getNode(), leader)));
              }
              return reply.build();
            });
  }

  private static String roleOf(MetaState state, int node, int leader) {
    if (node == leader) {
      return "leader";
    }
    return state.voters().contains(node) ? "voter" : "nonvoter";
  }

  private Response get(String key)
      throws InterruptedException, ExecutionException, TimeoutException {
    Optional<String> bad = KeySpace.checkKey(key);
    if (bad.isPresent()) {
      return error(Error.Code.INVALID, bad.get());
    }
    MetaQueryReply reply =
        await(meta.query(MetaQuery.newBuilder().setGet(Get.newBuilder().setKey(key)).build()));
    GetReply.Builder get =
        GetReply.newBuilder()
            .setRevision(reply.getRevision())
            .setFound(reply.getEntriesCount() > 0);
    if (reply.getEntriesCount() > 0) {
      get.setEntry(reply.getEntries(0));
    }
    return Response.newBuilder().setGet(get).build();
  }

  private Response list(String prefix, int limit)
      throws InterruptedException, ExecutionException, TimeoutException {
    if (limit < 0) {
      return error(Error.Code.INVALID, "limit " + limit + " is negative");
    }
    MetaQueryReply reply =
        await(
            meta.query(
                MetaQuery.newBuilder()
                    .setList(
                        org.onefold.proto.meta.List.newBuilder().setPrefix(prefix).setLimit(limit))
                    .build()));
    return Response.newBuilder()
        .setList(
            ListReply.newBuilder()
                .addAllEntries(reply.getEntriesList())
                .setRevision(reply.getRevision()))
        .build();
  }

  private Response put(PutRequest request)
      throws InterruptedException, ExecutionException, TimeoutException {
    Optional<String> bad = KeySpace.checkKey(request.getKey());
    if (bad.isPresent()) {
      return error(Error.Code.INVALID, bad.get());
    }
    Optional<String> tooLarge = KeySpace.checkValue(request.getValue().size());
    if (tooLarge.isPresent()) {
      return error(Error.Code.TOO_LARGE, tooLarge.get());
    }
    Put.Builder put =
        Put.newBuilder()
            .setKey(request.getKey())
            .setValue(request.getValue())
            .setBindToOrigin(request.getBindToNode());
    if (request.hasExpectedModRevision()) {
      put.setExpectedModRevision(request.getExpectedModRevision());
    }
    MetaReply reply = await(meta.propose(command().setPut(put).build()));
    if (reply.getError() != ErrorCode.OK) {
      return refusal(reply);
    }
    PutReply.Builder answer = PutReply.newBuilder().setRevision(reply.getRevision());
    if (reply.hasPrevious()) {
      answer.setPrevious(reply.getPrevious());
    }
    return Response.newBuilder().setPut(answer).build();
  }

  private Response delete(DeleteRequest request)
      throws InterruptedException, ExecutionException, TimeoutException {
    if (!request.getPrefix()) {
      Optional<String> bad = KeySpace.checkKey(request.getKey());
      if (bad.isPresent()) {
        return error(Error.Code.INVALID, bad.get());
      }
    }
    Delete.Builder delete =
        Delete.newBuilder().setKey(request.getKey()).setPrefix(request.getPrefix());
    if (request.hasExpectedModRevision()) {
      delete.setExpectedModRevision(request.getExpectedModRevision());
    }
    MetaReply reply = await(meta.propose(command().setDelete(delete).build()));
    if (reply.getError() != ErrorCode.OK) {
      return refusal(reply);
    }
    return Response.newBuilder()
        .setDelete(
            DeleteReply.newBuilder()
                .setRevision(reply.getRevision())
                .setDeleted(reply.getDeleted()))
        .build();
  }

  /** Makes a join token. Only root and the daemon's own user may: a token admits machines. */
  private Response token(long ttlSeconds, PeerCredentials peer)
      throws InterruptedException, ExecutionException, TimeoutException {
    if (peer.uid() != 0 && peer.uid() != ownerUid) {
      return error(
          Error.Code.PERMISSION,
          "only root or the daemon's user (uid "
              + ownerUid
              + ") may create join tokens; you are uid "
              + peer.uid());
    }
    if (ttlSeconds < 0) {
      return error(Error.Code.INVALID, "token lifetime " + ttlSeconds + " s is negative");
    }
    Duration ttl = ttlSeconds == 0 ? tokenTtl : Duration.ofSeconds(ttlSeconds);
    String fingerprint =
        ClusterCa.fingerprint(certificateOf(meta.stateMachine().read(MetaState::caCertificateDer)));
    JoinToken token = JoinToken.generate(fingerprint, random);
    long expires = clock.millis() + ttl.toMillis();
    MetaReply reply =
        await(
            meta.propose(
                command()
                    .setAddToken(
                        AddToken.newBuilder()
                            .setToken(
                                TokenGrant.newBuilder()
                                    .setSecretSha256(ByteString.copyFrom(token.secretSha256()))
                                    .setExpiresMillis(expires)))
                    .build()));
    if (reply.getError() != ErrorCode.OK) {
      return refusal(reply);
    }
    return Response.newBuilder()
        .setToken(TokenReply.newBuilder().setToken(token.text()).setExpiresMillis(expires))
        .build();
  }

  private static X509Certificate certificateOf(ByteString der) {
    try {
      return (X509Certificate)
          CertificateFactory.getInstance("X.509").generateCertificate(der.newInput());
    } catch (CertificateException e) {
      throw new IllegalStateException("the meta state holds a corrupt CA certificate", e);
    }
  }

  private MetaCommand.Builder command() {
    return MetaCommand.newBuilder()
        .setTimeMillis(clock.millis())
        .setOriginNode(self)
        .setOriginIncarnation(incarnation.getAsLong());
  }

  private static <T> T await(CompletableFuture<T> future)
      throws InterruptedException, ExecutionException, TimeoutException {
    return future.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static Response refusal(MetaReply reply) {
    Error.Code code =
        switch (reply.getError()) {
          case CONFLICT -> Error.Code.CONFLICT;
          case NOT_FOUND -> Error.Code.NOT_FOUND;
          case TOO_LARGE -> Error.Code.TOO_LARGE;
          case FENCED, NOT_INITIALIZED -> Error.Code.UNAVAILABLE;
          case TOKEN_REFUSED -> Error.Code.PERMISSION;
          case COMPACTED -> Error.Code.COMPACTED;
          case INVALID, OK, UNRECOGNIZED -> Error.Code.INVALID;
        };
    return error(code, reply.getMessage());
  }

  static Response error(Error.Code code, String message) {
    return Response.newBuilder()
        .setError(Error.newBuilder().setCode(code).setMessage(message))
        .build();
  }
}
