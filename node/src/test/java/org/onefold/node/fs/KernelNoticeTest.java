package org.onefold.node.fs;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.onefold.node.fs.KernelNotice.InodeChanged;
import org.onefold.node.fs.KernelNotice.NameChanged;
import org.onefold.proto.fs.FsCommand;
import org.onefold.proto.fs.Make;
import org.onefold.proto.fs.Rename;
import org.onefold.proto.fs.SetAttributes;
import org.onefold.proto.fs.Unlink;
import org.onefold.proto.fs.Write;

class KernelNoticeTest {
  private static final long ROOT = 1;

  private final Namespace namespace = new Namespace(0755, 0, 0, 0);

  @Test
  @DisplayName("a name made: the name and its directory's attributes")
  void make() {
    FsCommand make =
        FsCommand.newBuilder()
            .setMake(Make.newBuilder().setParent(ROOT).setName("a").setMode(0100644))
            .build();
    assertThat(KernelNotice.of(make, namespace))
        .containsExactly(new NameChanged(ROOT, "a"), InodeChanged.attributes(ROOT));
  }

  @Test
  @DisplayName("an unlink or a rename that replaces: the names, directories and the inodes named")
  void removals() throws FsError {
    long a = namespace.make(ROOT, "a", 0100644, 0, 0, 1).inode();
    long b = namespace.make(ROOT, "b", 0100644, 0, 0, 1).inode();
    FsCommand unlink =
        FsCommand.newBuilder().setUnlink(Unlink.newBuilder().setParent(ROOT).setName("a")).build();
    assertThat(KernelNotice.of(unlink, namespace))
        .containsExactly(
            new NameChanged(ROOT, "a"),
            InodeChanged.attributes(ROOT),
            new KernelNotice.NameMoved(a));

    FsCommand rename =
        FsCommand.newBuilder()
            .setRename(
                Rename.newBuilder().setParent(ROOT).setName("a").setNewParent(ROOT).setNewName("b"))
            .build();
    assertThat(KernelNotice.of(rename, namespace))
        .contains(
            new NameChanged(ROOT, "a"),
            new NameChanged(ROOT, "b"),
            new KernelNotice.NameMoved(a),
            new KernelNotice.NameMoved(b));
  }

  @Test
  @DisplayName("a write: the written range's pages; a truncate: all pages; a chmod: attributes")
  void data() {
    FsCommand write =
        FsCommand.newBuilder()
            .setWrite(
                Write.newBuilder()
                    .setInode(7)
                    .setOffset(4096)
                    .setData(ByteString.copyFrom(new byte[100])))
            .build();
    assertThat(KernelNotice.of(write, namespace)).containsExactly(new InodeChanged(7, 4096, 100));
    FsCommand truncate =
        FsCommand.newBuilder()
            .setSetAttributes(SetAttributes.newBuilder().setInode(7).setSize(0))
            .build();
    assertThat(KernelNotice.of(truncate, namespace)).containsExactly(new InodeChanged(7, 0, 0));
    FsCommand chmod =
        FsCommand.newBuilder()
            .setSetAttributes(SetAttributes.newBuilder().setInode(7).setMode(0600))
            .build();
    assertThat(KernelNotice.of(chmod, namespace)).containsExactly(InodeChanged.attributes(7));
  }
}
