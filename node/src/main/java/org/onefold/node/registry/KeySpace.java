package org.onefold.node.registry;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.onefold.proto.KeyValue;

/**
 * The registry's keys and values: the seed's "data replication service". Keys are ordered strings;
 * every write is stamped with the meta group's revision, so a key tells when it was created and
 * last written, and compare-and-set works on the last write's revision (as etcd's mod revision).
 *
 * <p>A key may be bound to a node: it lives only while that node is up (the owner calls {@link
 * #deleteBoundTo} when the node goes down).
 *
 * <p>Pure, not thread-safe; the owner (MetaState) serializes access.
 */
public final class KeySpace {
  private final TreeMap<String, KeyValue> entries = new TreeMap<>();

  /** Why a write was refused; null fields of {@link Written} mean success. */
  public enum Refusal {
    INVALID,
    TOO_LARGE,
    CONFLICT
  }

  /** The outcome of a put or delete: refused (with a reason), or done. */
  public record Written(
      Refusal refusal, String message, Optional<KeyValue> previous, List<String> deletedKeys) {
    static Written refused(Refusal refusal, String message) {
      return new Written(refusal, message, Optional.empty(), List.of());
    }

    public boolean accepted() {
      return refusal == null;
    }
  }

  /** Checks a key before it is proposed or applied; empty if acceptable. */
  public static Optional<String> checkKey(String key) {
    if (key.isEmpty()) {
      return Optional.of("empty key");
    }
    int bytes = key.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > Limits.KEY_BYTES_MAX) {
      return Optional.of("key of " + bytes + " bytes; at most " + Limits.KEY_BYTES_MAX);
    }
    return Optional.empty();
  }

  public static Optional<String> checkValue(int valueBytes) {
    if (valueBytes > Limits.VALUE_BYTES_MAX) {
      return Optional.of(
          "value of " + valueBytes + " bytes; at most " + Limits.VALUE_BYTES_MAX + " (1 MiB)");
    }
    return Optional.empty();
  }

  public Optional<KeyValue> get(String key) {
    return Optional.ofNullable(entries.get(key));
  }

  /**
   * Keys starting with prefix, in key order, at most limit of them (limit 0: the registry's cap).
   */
  public List<KeyValue> list(String prefix, int limit) {
    int cap = limit <= 0 ? Limits.LIST_ENTRIES_MAX : Math.min(limit, Limits.LIST_ENTRIES_MAX);
    List<KeyValue> found = new ArrayList<>();
    for (KeyValue entry : prefixView(prefix).values()) {
      if (found.size() == cap) {
        break;
      }
      found.add(entry);
    }
    return found;
  }

  /**
   * Writes key at revision. With an expected mod revision, writes only if the key's last write was
   * at that revision (0: only if the key does not exist).
   */
  public Written put(
      String key,
      ByteString value,
      OptionalLong expectedModRevision,
      int boundNode,
      long revision) {
    Optional<String> badKey = checkKey(key);
    if (badKey.isPresent()) {
      return Written.refused(Refusal.INVALID, badKey.get());
    }
    Optional<String> badValue = checkValue(value.size());
    if (badValue.isPresent()) {
      return Written.refused(Refusal.TOO_LARGE, badValue.get());
    }
    KeyValue previous = entries.get(key);
    Optional<String> conflict = checkExpected(key, previous, expectedModRevision);
    if (conflict.isPresent()) {
      return Written.refused(Refusal.CONFLICT, conflict.get());
    }
    KeyValue written =
        KeyValue.newBuilder()
            .setKey(key)
            .setValue(value)
            .setCreateRevision(previous == null ? revision : previous.getCreateRevision())
            .setModRevision(revision)
            .setVersion(previous == null ? 1 : previous.getVersion() + 1)
            .setBoundNode(boundNode)
            .build();
    entries.put(key, written);
    return new Written(null, "", Optional.ofNullable(previous), List.of());
  }

  /** Deletes one key (with an optional compare-and-set) or, with prefix, every key under it. */
  public Written delete(String key, OptionalLong expectedModRevision, boolean prefix) {
    if (prefix) {
      Map<String, KeyValue> doomed = prefixView(key);
      List<String> deleted = List.copyOf(doomed.keySet());
      doomed.clear();
      return new Written(null, "", Optional.empty(), deleted);
    }
    Optional<String> badKey = checkKey(key);
    if (badKey.isPresent()) {
      return Written.refused(Refusal.INVALID, badKey.get());
    }
    KeyValue previous = entries.get(key);
    Optional<String> conflict = checkExpected(key, previous, expectedModRevision);
    if (conflict.isPresent()) {
      return Written.refused(Refusal.CONFLICT, conflict.get());
    }
    if (previous == null) {
      return new Written(null, "", Optional.empty(), List.of());
    }
    entries.remove(key);
    return new Written(null, "", Optional.of(previous), List.of(key));
  }

  /** Deletes every key bound to node; returns their names in key order. */
  public List<String> deleteBoundTo(int node) {
    List<String> deleted = new ArrayList<>();
    entries
        .values()
        .removeIf(
            entry -> {
              if (entry.getBoundNode() == node) {
                deleted.add(entry.getKey());
                return true;
              }
              return false;
            });
    return deleted;
  }

  public Collection<KeyValue> all() {
    return entries.values();
  }

  public int size() {
    return entries.size();
  }

  public void restore(Collection<KeyValue> snapshot) {
    entries.clear();
    for (KeyValue entry : snapshot) {
      entries.put(entry.getKey(), entry);
    }
  }

  private Map<String, KeyValue> prefixView(String prefix) {
    if (prefix.isEmpty()) {
      return entries;
    }
    return entries.subMap(prefix, true, prefix + Character.MAX_VALUE, true);
  }

  private static Optional<String> checkExpected(
      String key, KeyValue previous, OptionalLong expected) {
    if (expected.isEmpty()) {
      return Optional.empty();
    }
    long actual = previous == null ? 0 : previous.getModRevision();
    if (actual == expected.getAsLong()) {
      return Optional.empty();
    }
    String now = previous == null ? "does not exist" : "was last written at revision " + actual;
    return Optional.of("key " + key + " " + now + ", not at revision " + expected.getAsLong());
  }
}
