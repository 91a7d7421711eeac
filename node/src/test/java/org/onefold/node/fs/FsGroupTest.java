package org.onefold.node.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.onefold.node.fs.fuse.FuseException;
import org.onefold.node.fs.fuse.FuseFilesystem;
import org.onefold.proto.fs.FsQuery;
import org.onefold.proto.fs.FsReply;
import org.onefold.proto.fs.Read;

/**
 * The filesystem group on real Ratis, three replicas in this process on loopback: changes made
 * through one client are on every replica, and survive the leader's death. Plain gRPC here: the
 * daemon will give the group the node's mutual TLS, as it gives the meta group.
 */
class FsGroupTest {
  @TempDir Path directory;
  private final List<RaftServer> servers = new ArrayList<>();
  private final List<FsStateMachine> replicas = new ArrayList<>();
  private RaftClient client;

  @AfterEach
  void stop() throws IOException {
    if (client != null) {
      client.close();
    }
    for (RaftServer server : servers) {
      server.close();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static RaftProperties properties() {
    RaftProperties properties = new RaftProperties();
    RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.GRPC);
    return properties;
  }

  private RaftGroup startGroup() throws IOException {
    List<RaftPeer> peers = new ArrayList<>();
    for (int k = 1; k <= 3; k++) {
      peers.add(
          RaftPeer.newBuilder().setId("fs" + k).setAddress("127.0.0.1:" + freePort()).build());
    }
    RaftGroup group = RaftGroup.valueOf(RaftGroupId.randomId(), peers);
    for (int k = 0; k < 3; k++) {
      servers.add(null);
      replicas.add(null);
      startReplica(group, k, RaftStorage.StartupOption.FORMAT);
    }
    client = RaftClient.newBuilder().setProperties(properties()).setRaftGroup(group).build();
    return group;
  }

  /** Starts replica k of group (again, with RECOVER) on its own directory and port. */
  private void startReplica(RaftGroup group, int k, RaftStorage.StartupOption option)
      throws IOException {
    RaftPeer peer = group.getPeers().stream().toList().get(k);
    RaftProperties properties = properties();
    Path home = directory.resolve("replica" + (k + 1));
    RaftServerConfigKeys.setStorageDir(
        properties, List.of(new File(home.resolve("raft").toString())));
    GrpcConfigKeys.Server.setHost(properties, "127.0.0.1");
    GrpcConfigKeys.Server.setPort(properties, Integer.parseInt(peer.getAddress().split(":")[1]));
    FsStateMachine replica = new FsStateMachine(home.resolve("chunks"), 0755);
    RaftServer server =
        RaftServer.newBuilder()
            .setServerId(peer.getId())
            .setGroup(group)
            .setProperties(properties)
            .setStateMachine(replica)
            .setOption(option)
            .build();
    server.start();
    servers.set(k, server);
    replicas.set(k, replica);
  }

  /** What replica k shows of inode's first bytes, read locally (no leader involved). */
  private String localRead(int k, long inode) throws Exception {
    Message answer =
        replicas
            .get(k)
            .query(
                Message.valueOf(
                    ByteString.copyFrom(
                        FsQuery.newBuilder()
                            .setReadData(Read.newBuilder().setInode(inode).setSize(100))
                            .build()
                            .toByteArray())))
            .get(5, TimeUnit.SECONDS);
    FsReply reply = FsReply.parseFrom(answer.getContent().asReadOnlyByteBuffer());
    return reply.getData().toStringUtf8();
  }

  @Test
  @Timeout(120)
  @DisplayName(
      "a file written through the group is on all three replicas, and after its leader dies")
  void replicatedAndSurvivesTheLeader() throws Exception {
    RaftGroup group = startGroup();
    ClusterFilesystem filesystem =
        new ClusterFilesystem(FsGateway.replicated(client), InstantSource.system(), directory);
    FuseFilesystem.Caller caller = new FuseFilesystem.Caller(1000, 1000, 1);

    long inode = filesystem.make(caller, FuseFilesystem.ROOT, "notes", 0100644).inode();
    filesystem.write(inode, 0, "first line\n".getBytes(StandardCharsets.UTF_8));
    assertThat(new String(filesystem.read(inode, 0, 100), StandardCharsets.UTF_8))
        .isEqualTo("first line\n");
    for (int k = 0; k < 3; k++) {
      int replica = k;
      await("replica " + (k + 1) + " has the write")
          .atMost(Duration.ofSeconds(10))
          .until(() -> localRead(replica, inode).equals("first line\n"));
    }

    int leader = -1;
    for (int k = 0; k < 3; k++) {
      if (servers.get(k).getDivision(group.getGroupId()).getInfo().isLeader()) {
        leader = k;
      }
    }
    assertThat(leader).as("a leader was elected").isNotNegative();
    servers.get(leader).close();

    filesystem.write(inode, 11, "second line\n".getBytes(StandardCharsets.UTF_8));
    assertThat(filesystem.attributes(inode).size()).isEqualTo(23);
    for (int k = 0; k < 3; k++) {
      if (k == leader) {
        continue;
      }
      int replica = k;
      await("replica " + (k + 1) + " has the second write")
          .atMost(Duration.ofSeconds(10))
          .until(() -> localRead(replica, inode).equals("first line\nsecond line\n"));
    }
    try {
      filesystem.lookup(FuseFilesystem.ROOT, "missing");
    } catch (FuseException e) {
      assertThat(e.errno()).as("a refusal travels as its errno").isEqualTo(FsError.ENOENT);
      return;
    }
    throw new AssertionError("lookup of a missing name succeeded");
  }

  @Test
  @Timeout(120)
  @DisplayName("a replica restarted after a snapshot reads its state from it and catches up")
  void restartFromSnapshot() throws Exception {
    RaftGroup group = startGroup();
    ClusterFilesystem filesystem =
        new ClusterFilesystem(FsGateway.replicated(client), InstantSource.system(), directory);
    FuseFilesystem.Caller caller = new FuseFilesystem.Caller(0, 0, 1);
    long inode = filesystem.make(caller, FuseFilesystem.ROOT, "log", 0100644).inode();
    filesystem.write(inode, 0, "before\n".getBytes(StandardCharsets.UTF_8));
    int follower = -1;
    for (int k = 0; k < 3; k++) {
      int replica = k;
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> localRead(replica, inode).equals("before\n"));
      if (!servers.get(k).getDivision(group.getGroupId()).getInfo().isLeader()) {
        follower = k;
      }
    }
    assertThat(replicas.get(follower).takeSnapshot()).as("snapshot index").isPositive();
    // The snapshot file alone holds the file's bytes. (The restart below would also come right by
    // replaying the whole log, which Ratis has not purged here.)
    Path snapshot =
        replicas.get(follower).getStateMachineStorage().getLatestSnapshot().getFile().getPath();
    try (var in = java.nio.file.Files.newInputStream(snapshot)) {
      FsState fromFile = FsState.readSnapshot(in, new ChunkStore(directory.resolve("check")));
      assertThat(
              fromFile
                  .query(
                      FsQuery.newBuilder()
                          .setReadData(Read.newBuilder().setInode(inode).setSize(100))
                          .build())
                  .getData()
                  .toStringUtf8())
          .isEqualTo("before\n");
    }
    servers.get(follower).close();

    filesystem.write(inode, 7, "after\n".getBytes(StandardCharsets.UTF_8));
    startReplica(group, follower, RaftStorage.StartupOption.RECOVER);
    int restarted = follower;
    await("the restarted replica has the write it missed")
        .atMost(Duration.ofSeconds(20))
        .until(() -> localRead(restarted, inode).equals("before\nafter\n"));
  }
}
