package org.onefold.client;

import com.google.protobuf.ByteString;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.onefold.proto.KeyValue;
import org.onefold.proto.local.DeleteReply;
import org.onefold.proto.local.DeleteRequest;
import org.onefold.proto.local.GetReply;
import org.onefold.proto.local.GetRequest;
import org.onefold.proto.local.ListRequest;
import org.onefold.proto.local.PutReply;
import org.onefold.proto.local.PutRequest;
import org.onefold.proto.local.Request;
import org.onefold.proto.local.WatchRequest;

/**
 * The cluster registry: a replicated, ordered key-value store. Every write gets the next revision;
 * reads are linearizable; a watch sees every change once, in order. Values are at most 1 MiB.
 */
public final class Registry {
  private final OnefoldClient client;

  Registry(OnefoldClient client) {
    this.client = client;
  }

  /** Options of a put: compare-and-set on the key's mod revision, and binding to this node. */
  public record PutOptions(OptionalLong expectedModRevision, boolean bindToNode) {
    public static PutOptions plain() {
      return new PutOptions(OptionalLong.empty(), false);
    }

    /** Only if the key was last written at revision (0: only if it does not exist). */
    public static PutOptions ifModRevision(long revision) {
      return new PutOptions(OptionalLong.of(revision), false);
    }

    /** The key is deleted when this node goes down. */
    public PutOptions boundToNode() {
      return new PutOptions(expectedModRevision, true);
    }
  }

  public Optional<KeyValue> get(String key) {
    GetReply reply =
        client
            .call(Request.newBuilder().setGet(GetRequest.newBuilder().setKey(key)).build())
            .getGet();
    return reply.getFound() ? Optional.of(reply.getEntry()) : Optional.empty();
  }

  public PutReply put(String key, byte[] value) {
    return put(key, value, PutOptions.plain());
  }

  public PutReply put(String key, byte[] value, PutOptions options) {
    PutRequest.Builder put =
        PutRequest.newBuilder()
            .setKey(key)
            .setValue(ByteString.copyFrom(value))
            .setBindToNode(options.bindToNode());
    options.expectedModRevision().ifPresent(put::setExpectedModRevision);
    return client.call(Request.newBuilder().setPut(put).build()).getPut();
  }

  public DeleteReply delete(String key) {
    return client
        .call(Request.newBuilder().setDelete(DeleteRequest.newBuilder().setKey(key)).build())
        .getDelete();
  }

  public DeleteReply deleteIfModRevision(String key, long expectedModRevision) {
    return client
        .call(
            Request.newBuilder()
                .setDelete(
                    DeleteRequest.newBuilder()
                        .setKey(key)
                        .setExpectedModRevision(expectedModRevision))
                .build())
        .getDelete();
  }

  public DeleteReply deletePrefix(String prefix) {
    return client
        .call(
            Request.newBuilder()
                .setDelete(DeleteRequest.newBuilder().setKey(prefix).setPrefix(true))
                .build())
        .getDelete();
  }

  /** Keys under prefix in key order; limit 0 for the daemon's cap. */
  public List<KeyValue> list(String prefix, int limit) {
    return client
        .call(
            Request.newBuilder()
                .setList(ListRequest.newBuilder().setPrefix(prefix).setLimit(limit))
                .build())
        .getList()
        .getEntriesList();
  }

  /** Changes of keys under prefix from fromRevision on (0: only new ones). */
  public EventStream watch(String prefix, long fromRevision) {
    return client.stream(
        Request.newBuilder()
            .setWatch(WatchRequest.newBuilder().setPrefix(prefix).setFromRevision(fromRevision))
            .build());
  }
}
