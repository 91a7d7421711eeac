package org.onefold.node.fs;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.onefold.proto.fs.FsCommand;
import org.onefold.proto.fs.FsQuery;
import org.onefold.proto.fs.FsReply;
import org.onefold.proto.fs.Make;
import org.onefold.proto.fs.Read;
import org.onefold.proto.fs.Rename;
import org.onefold.proto.fs.SetAttributes;
import org.onefold.proto.fs.Unlink;
import org.onefold.proto.fs.Write;

class FsStateTest {
  @TempDir Path directory;

  private FsState fresh(String name) throws IOException {
    return new FsState(new Namespace(0755, 0, 0, 0), new ChunkStore(directory.resolve(name)));
  }

  private static FsCommand.Builder at(long time) {
    return FsCommand.newBuilder().setTimeNanos(time);
  }

  @Test
  @DisplayName("a command's answer: the attributes it made, or the errno alone")
  void answers() throws IOException {
    FsState state = fresh("a");
    FsReply made =
        state.apply(
            at(5)
                .setMake(Make.newBuilder().setParent(1).setName("f").setMode(0100600).setUid(7))
                .build());
    assertThat(made.getErrno()).isZero();
    assertThat(made.getAttributes().getUid()).isEqualTo(7);
    assertThat(made.getAttributes().getChangeNanos()).as("the command's time").isEqualTo(5);
    FsReply again =
        state.apply(
            at(6).setMake(Make.newBuilder().setParent(1).setName("f").setMode(0100600)).build());
    assertThat(again.getErrno()).isEqualTo(FsError.EEXIST);
    assertThat(again.hasAttributes()).isFalse();
    assertThat(state.apply(FsCommand.getDefaultInstance()).getErrno()).isEqualTo(FsError.EINVAL);
  }

  @Test
  @DisplayName("replicas that apply the same commands hold the same names, attributes and bytes")
  void sameCommandsSameState() throws IOException {
    for (long seed = 1; seed <= 20; seed++) {
      Random random = new Random(seed);
      FsState one = fresh("one-" + seed);
      FsState two = fresh("two-" + seed);
      List<FsCommand> commands = new ArrayList<>();
      for (int step = 0; step < 80; step++) {
        commands.add(randomCommand(random, step));
      }
      for (FsCommand command : commands) {
        assertThat(two.apply(command)).as("seed %d", seed).isEqualTo(one.apply(command));
      }
      assertThat(snapshotOf(two)).as("seed %d", seed).isEqualTo(snapshotOf(one));
    }
  }

  private static FsCommand randomCommand(Random random, long time) {
    String name = "n" + random.nextInt(4);
    long inode = 1 + random.nextInt(8);
    FsCommand.Builder command = at(time);
    switch (random.nextInt(6)) {
      case 0 ->
          command.setMake(
              Make.newBuilder()
                  .setParent(random.nextBoolean() ? 1 : inode)
                  .setName(name)
                  .setMode(random.nextBoolean() ? 0040755 : 0100644));
      case 1 ->
          command.setWrite(
              Write.newBuilder()
                  .setInode(inode)
                  .setOffset(
                      random.nextInt(3) * (long) ChunkStore.CHUNK_BYTES + random.nextInt(100))
                  .setData(ByteString.copyFromUtf8("x".repeat(1 + random.nextInt(50)))));
      case 2 ->
          command.setSetAttributes(
              SetAttributes.newBuilder().setInode(inode).setSize(random.nextInt(2000)));
      case 3 -> command.setUnlink(Unlink.newBuilder().setParent(1).setName(name));
      case 4 ->
          command.setRename(
              Rename.newBuilder()
                  .setParent(1)
                  .setName(name)
                  .setNewParent(random.nextBoolean() ? 1 : inode)
                  .setNewName("n" + random.nextInt(4)));
      default -> command.setOpen(inode);
    }
    return command.build();
  }

  /** Every inode 1-10 as the state shows it: attributes, names, and the first bytes of data. */
  private static List<FsReply> snapshotOf(FsState state) {
    List<FsReply> seen = new ArrayList<>();
    for (long inode = 1; inode <= 10; inode++) {
      seen.add(state.query(FsQuery.newBuilder().setAttributes(inode).build()));
      seen.add(state.query(FsQuery.newBuilder().setList(inode).build()));
      seen.add(
          state.query(
              FsQuery.newBuilder()
                  .setReadData(Read.newBuilder().setInode(inode).setOffset(0).setSize(4096))
                  .build()));
    }
    return seen;
  }

  @Test
  @DisplayName(
      "a snapshot holds the whole state: read back, it answers and goes on as the original")
  void snapshotRoundTrip() throws IOException {
    Random random = new Random(7);
    FsState original = fresh("original");
    for (int step = 0; step < 120; step++) {
      original.apply(randomCommand(random, step));
    }
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    original.writeSnapshot(bytes);
    FsState restored =
        FsState.readSnapshot(
            new java.io.ByteArrayInputStream(bytes.toByteArray()),
            new ChunkStore(directory.resolve("restored")));
    assertThat(snapshotOf(restored)).isEqualTo(snapshotOf(original));
    for (int step = 120; step < 160; step++) {
      FsCommand next = randomCommand(random, step);
      assertThat(restored.apply(next)).as("step %d", step).isEqualTo(original.apply(next));
    }
    assertThat(snapshotOf(restored)).isEqualTo(snapshotOf(original));
  }

  @Test
  @DisplayName("the data of a freed inode leaves the disk with it")
  void freedDataLeaves() throws IOException {
    FsState state = fresh("free");
    long inode =
        state
            .apply(
                at(1).setMake(Make.newBuilder().setParent(1).setName("f").setMode(0100644)).build())
            .getAttributes()
            .getInode();
    state.apply(
        at(2)
            .setWrite(Write.newBuilder().setInode(inode).setData(ByteString.copyFromUtf8("data")))
            .build());
    assertThat(Files.exists(directory.resolve("free").resolve(Long.toString(inode)))).isTrue();
    state.apply(at(3).setUnlink(Unlink.newBuilder().setParent(1).setName("f")).build());
    assertThat(Files.exists(directory.resolve("free").resolve(Long.toString(inode)))).isFalse();
  }

  @Test
  @DisplayName("appends go at the file's end in log order, whatever offset their writers thought")
  void appendsInLogOrder() throws IOException {
    FsState state = fresh("append");
    long file =
        state
            .apply(
                at(1)
                    .setMake(Make.newBuilder().setParent(1).setName("log").setMode(0100644))
                    .build())
            .getAttributes()
            .getInode();
    for (String line : List.of("one\n", "two\n", "three\n")) {
      FsReply written =
          state.apply(
              at(2)
                  .setWrite(
                      Write.newBuilder()
                          .setInode(file)
                          .setOffset(0)
                          .setAppend(true)
                          .setData(ByteString.copyFromUtf8(line)))
                  .build());
      assertThat(written.getErrno()).isZero();
    }
    FsReply read =
        state.query(
            FsQuery.newBuilder()
                .setReadData(Read.newBuilder().setInode(file).setOffset(0).setSize(100))
                .build());
    assertThat(read.getData().toStringUtf8()).isEqualTo("one\ntwo\nthree\n");
  }
}
