package org.onefold.node.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.onefold.proto.KeyValue;

class KeySpaceTest {
  private final KeySpace keys = new KeySpace();

  @Test
  void versions_and_revisions_follow_the_writes() {
    keys.put("a", ByteString.copyFromUtf8("1"), OptionalLong.empty(), 0, 5);
    keys.put("a", ByteString.copyFromUtf8("2"), OptionalLong.empty(), 0, 9);
    KeyValue entry = keys.get("a").orElseThrow();
    assertThat(entry.getCreateRevision()).isEqualTo(5);
    assertThat(entry.getModRevision()).isEqualTo(9);
    assertThat(entry.getVersion()).isEqualTo(2);
  }

  @Test
  void list_is_in_key_order_under_the_prefix_and_capped() {
    for (String key : new String[] {"b/2", "a/1", "b/1", "b", "c"}) {
      keys.put(key, ByteString.EMPTY, OptionalLong.empty(), 0, 1);
    }
    assertThat(keys.list("b/", 0)).extracting(KeyValue::getKey).containsExactly("b/1", "b/2");
    assertThat(keys.list("", 2)).extracting(KeyValue::getKey).containsExactly("a/1", "b");
  }

  @Test
  void limits_refuse_empty_keys_and_values_over_one_mebibyte() {
    assertThat(keys.put("", ByteString.EMPTY, OptionalLong.empty(), 0, 1).refusal())
        .isEqualTo(KeySpace.Refusal.INVALID);
    ByteString big = ByteString.copyFrom(new byte[Limits.VALUE_BYTES_MAX + 1]);
    KeySpace.Written written = keys.put("k", big, OptionalLong.empty(), 0, 1);
    assertThat(written.refusal()).isEqualTo(KeySpace.Refusal.TOO_LARGE);
    assertThat(written.message()).contains("1048577 bytes").contains("1 MiB");
    ByteString exact = ByteString.copyFrom(new byte[Limits.VALUE_BYTES_MAX]);
    assertThat(keys.put("k", exact, OptionalLong.empty(), 0, 1).accepted()).isTrue();
  }

  @Test
  void bound_keys_go_with_their_node() {
    keys.put("x", ByteString.EMPTY, OptionalLong.empty(), 3, 1);
    keys.put("y", ByteString.EMPTY, OptionalLong.empty(), 4, 2);
    assertThat(keys.deleteBoundTo(3)).containsExactly("x");
    assertThat(keys.get("y")).isPresent();
  }

  @Test
  void conditional_delete_checks_the_mod_revision() {
    keys.put("x", ByteString.EMPTY, OptionalLong.empty(), 0, 7);
    assertThat(keys.delete("x", OptionalLong.of(6), false).refusal())
        .isEqualTo(KeySpace.Refusal.CONFLICT);
    assertThat(keys.delete("x", OptionalLong.of(7), false).deletedKeys()).containsExactly("x");
  }
}
