package org.onefold.node.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.onefold.node.fs.fuse.FuseMount;
import org.onefold.node.raft.MetaGroup;
import org.onefold.node.raft.PeerIds;
import org.onefold.proto.NodeRecord;
import org.onefold.proto.fs.FsQuery;
import org.onefold.proto.fs.FsReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster filesystem on this node: its Raft group, hosted by the node's Raft server beside
 * meta; the node's client of it; and the node's mount of it.
 *
 * <p>Replicas: the first node of a cluster makes the group with itself; every other node adds it to
 * its server with no configuration, and whoever leads the group changes the voters by {@link
 * ReplicaPlan} once a second: up nodes join until there are {@link #REPLICAS}, and a replica whose
 * node stays down past the limit (the meta group's replace-voter-after) moves to an up node.
 *
 * <p>Threads: one scheduled thread checks the replicas and keeps the client's list of nodes; the
 * mount has its own readers.
 */
public final class FsGroup implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FsGroup.class);

  /** How many nodes hold the filesystem (all of them below that). */
  static final int REPLICAS = 3;

  /** The root directory's mode when the filesystem is made. */
  private static final int ROOT_MODE = 0755;

  private static final long CHECK_MILLIS = 1000;

  /**
   * How long a replaced client lives on: the changes in flight through it (writes not waited for,
   * releases) keep retrying for the client's whole retry budget, about ten minutes.
   */
  private static final long RETIRED_CLIENT_LINGER_MINUTES = 11;

  /**
   * How long this node's kernel keeps names and attributes while the node holds a replica (whose
   * applies tell it of every other node's change). A bound for what no notice covers: a replica
   * that catches up from a snapshot, notices dropped for a full queue.
   */
  static final long KERNEL_CACHE_SECONDS = 10;

  /** The longest an open waits for this node's kernel to be told of earlier changes. */
  private static final java.time.Duration OPEN_WAIT_MAX = java.time.Duration.ofSeconds(5);

  private final int node;
  private final MetaGroup meta;
  private final RaftGroupId groupId;
  private final ScheduledExecutorService checks =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> Thread.ofPlatform().name("fs-group").daemon().unstarted(runnable));
  private final AtomicLong callIds = new AtomicLong();

  /** The client and the nodes it knows; replaced by the check thread when the nodes change. */
  private volatile RaftClient client;

  private volatile Set<Integer> clientNodes = Set.of();
  private volatile Optional<FuseMount> mount = Optional.empty();
  private volatile Optional<Path> mountPoint = Optional.empty();
  private volatile Optional<KernelNotifier> notifier = Optional.empty();

  /** What the mount was last told; set by the start's thread and the check thread. */
  private volatile long kernelCacheSeconds = -1;

  private final InstantSource clock;
  private final ReplicaPlan replicaPlan;

  private FsGroup(
      int node, MetaGroup meta, RaftGroupId groupId, InstantSource clock, ReplicaPlan replicaPlan) {
    this.node = node;
    this.meta = meta;
    this.groupId = groupId;
    this.clock = clock;
    this.replicaPlan = replicaPlan;
  }

  /** The state machines of the node's filesystem group, its data under data. */
  public static StateMachine.Registry stateMachines(Path data) {
    return id -> new FsStateMachine(data.resolve("chunks"), ROOT_MODE);
  }

  /**
   * Joins this node to the filesystem group (making it, on the cluster's first node) and, with a
   * mount point, mounts the filesystem there: as root with /dev/fuse, else it says why not and goes
   * on without. A replica whose node is down longer than replaceReplicaAfter moves to an up node.
   */
  public static FsGroup start(
      int node,
      String clusterId,
      MetaGroup meta,
      Optional<Path> mountPoint,
      InstantSource clock,
      Path data,
      java.time.Duration replaceReplicaAfter)
      throws IOException {
    FsGroup group =
        new FsGroup(
            node,
            meta,
            PeerIds.fsGroupOf(clusterId),
            clock,
            new ReplicaPlan(REPLICAS, replaceReplicaAfter.toMillis()));
    group.join();
    group.refreshClient();
    group.checks.scheduleWithFixedDelay(
        group::check, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
    if (mountPoint.isPresent()) {
      group.mount(mountPoint.get(), clock, data);
    }
    return group;
  }

  private void join() throws IOException {
    RaftServer server = meta.server();
    for (RaftGroupId existing : server.getGroupIds()) {
      if (existing.equals(groupId)) {
        return; // Recovered from this node's storage.
      }
    }
    RaftGroup group =
        node == 1
            ? RaftGroup.valueOf(
                groupId, MetaGroup.peerOf(node, ownAddress(), RaftPeerRole.FOLLOWER))
            : RaftGroup.valueOf(groupId);
    RaftClientReply reply =
        server.groupManagement(
            GroupManagementRequest.newAdd(
                ClientId.randomId(), server.getId(), callIds.incrementAndGet(), group));
    if (!reply.isSuccess()) {
      throw new IOException("cannot add the filesystem group: " + reply.getException());
    }
    log.info("node {} added the filesystem group {}", node, groupId);
  }

  private org.onefold.proto.NodeAddress ownAddress() {
    return meta.stateMachine()
        .read(state -> state.nodes().get(node))
        .map(NodeRecord::getAddress)
        .orElseThrow(() -> new IllegalStateException("node " + node + " not in its node table"));
  }

  /** Where this node's mount of the filesystem is; empty if the node did not mount it. */
  public Optional<Path> mountPoint() {
    return mountPoint;
  }

  /** The gateway this node's mount uses. */
  public FsGateway gateway() {
    return FsGateway.replicated(() -> client);
  }

  private void mount(Path point, InstantSource clock, Path data) {
    if (new com.sun.security.auth.module.UnixSystem().getUid() != 0
        || !Files.exists(Path.of("/dev/fuse"))) {
      log.warn("not mounting the cluster filesystem at {}: that needs root and /dev/fuse", point);
      return;
    }
    try {
      clearStaleMount(point);
      Files.createDirectories(point);
      FuseMount fuse =
          FuseMount.mount(
              point,
              new ClusterFilesystem(
                  gateway(),
                  clock,
                  data,
                  node,
                  new ClusterFilesystem.Barrier() {
                    @Override
                    public boolean await(long inode) {
                      return awaitOthersChanges(inode);
                    }

                    @Override
                    public void resolved(long inode) {
                      noteResolved(inode);
                    }
                  }));
      KernelNotifier notices = new KernelNotifier(fuse);
      try {
        localStateMachine().tellKernelOfOthers(node, notices::offer);
      } catch (IOException | RuntimeException e) {
        notices.close();
        fuse.close();
        throw e;
      }
      notifier = Optional.of(notices);
      mount = Optional.of(fuse);
      this.mountPoint = Optional.of(point);
      keepKernelCache();
      log.info("the cluster filesystem is mounted at {}", point);
    } catch (IOException e) {
      log.warn("cannot mount the cluster filesystem at {}: {}", point, e.getMessage());
    }
  }

  private FsStateMachine localStateMachine() throws IOException {
    return (FsStateMachine) meta.server().getDivision(groupId).getStateMachine();
  }

  /** Whether this node holds a voting replica of the filesystem (and so applies every change). */
  private boolean holdsReplica() {
    try {
      RaftServer.Division division = meta.server().getDivision(groupId);
      return division.getRaftConf().getPeer(division.getId(), RaftPeerRole.FOLLOWER) != null;
    } catch (IOException e) {
      return false;
    }
  }

  /** The kernel keeps what it is given only where this node's replica tells it of changes. */
  private void keepKernelCache() {
    if (mount.isEmpty()) {
      return;
    }
    long seconds = holdsReplica() ? KERNEL_CACHE_SECONDS : 0;
    if (seconds != kernelCacheSeconds) {
      mount.get().keepFor(seconds);
      kernelCacheSeconds = seconds;
      log.info(
          "the kernel of node {} keeps the filesystem's names and attributes {} s", node, seconds);
    }
  }

  /**
   * The barrier before an open of inode: this node's replica is asked for the inode's attributes by
   * a linearizable read (answered once the replica has applied the leader's commit index as of the
   * call), then the notices those applies made are awaited. False if the replica no longer names
   * the inode (unlinked or gone), or if it lost a name after the kernel last resolved it: the
   * kernel may have reached it through a name another node has since moved. Without a replica here
   * the kernel keeps nothing, so nothing to wait for; a replica that cannot answer within {@link
   * #OPEN_WAIT_MAX} (catching up) leaves the open to go on.
   */
  /**
   * When the kernel last resolved each inode under a name, as a point in the notices sent; the
   * oldest forgotten past {@link KernelNotifier#REMEMBERED_MAX}. Guarded by itself.
   */
  private final java.util.LinkedHashMap<Long, Long> resolvedAt =
      new java.util.LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<Long, Long> eldest) {
          return size() > KernelNotifier.REMEMBERED_MAX;
        }
      };

  private void noteResolved(long inode) {
    notifier.ifPresent(
        notices -> {
          synchronized (resolvedAt) {
            resolvedAt.remove(inode);
            resolvedAt.put(inode, notices.sent());
          }
        });
  }

  private boolean awaitOthersChanges(long inode) {
    Optional<KernelNotifier> notices = notifier;
    if (notices.isEmpty() || !holdsReplica()) {
      return true;
    }
    try {
      RaftClientReply reply =
          client
              .async()
              .sendReadOnlyUnordered(
                  Message.valueOf(
                      ByteString.copyFrom(
                          FsQuery.newBuilder().setAttributes(inode).build().toByteArray())),
                  PeerIds.peerOf(node))
              .get(OPEN_WAIT_MAX.toMillis(), TimeUnit.MILLISECONDS);
      if (!reply.isSuccess()) {
        return true;
      }
      notices.get().awaitSent(OPEN_WAIT_MAX);
      FsReply answer = FsReply.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer());
      long resolved;
      synchronized (resolvedAt) {
        resolved = resolvedAt.getOrDefault(inode, 0L);
      }
      return answer.getErrno() == 0
          && answer.getAttributes().getLinks() > 0
          && !notices.get().movedAfter(inode, resolved);
    } catch (IOException | ExecutionException | TimeoutException e) {
      log.debug("open barrier on node {}: {}", node, e.toString());
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  /** A mount left by a daemon that died ("Transport endpoint is not connected") goes first. */
  private static void clearStaleMount(Path mountPoint) throws IOException {
    if (MountTable.detach(mountPoint)) {
      log.info("cleared a stale mount at {}", mountPoint);
    }
  }

  /** Once a second: the client's nodes follow the up nodes; the leader adds missing replicas. */
  private void check() {
    try {
      refreshClient();
      addReplicas();
      keepKernelCache();
    } catch (IOException | RuntimeException e) {
      log.debug("filesystem group check: {}", e.toString());
    }
  }

  private List<NodeRecord> upNodes() {
    return meta.stateMachine().read(state -> state.nodes().up());
  }

  private void refreshClient() throws IOException {
    List<NodeRecord> up = upNodes();
    Set<Integer> nodes = new TreeSet<>();
    List<RaftPeer> peers = new ArrayList<>();
    for (NodeRecord record : up) {
      nodes.add(record.getNode());
      peers.add(MetaGroup.peerOf(record.getNode(), record.getAddress(), RaftPeerRole.FOLLOWER));
    }
    if (nodes.equals(clientNodes) || peers.isEmpty()) {
      return;
    }
    RaftClient previous = client;
    client = meta.clientOf(groupId, peers);
    clientNodes = nodes;
    if (previous != null) {
      checks.schedule(
          () -> closeQuietly(previous), RETIRED_CLIENT_LINGER_MINUTES, TimeUnit.MINUTES);
    }
  }

  /** As the group's leader: the next replicas by {@link ReplicaPlan}, one change at a time. */
  private void addReplicas() throws IOException {
    RaftServer.Division division = meta.server().getDivision(groupId);
    if (!division.getInfo().isLeader()) {
      return;
    }
    Set<Integer> current = new TreeSet<>();
    for (RaftPeer peer : division.getRaftConf().getAllPeers(RaftPeerRole.FOLLOWER)) {
      PeerIds.nodeOf(peer.getId().toString()).ifPresent(current::add);
    }
    List<NodeRecord> nodes = meta.stateMachine().read(state -> state.nodes().all());
    Optional<Set<Integer>> next = replicaPlan.next(nodes, current, clock.millis());
    if (next.isEmpty()) {
      return;
    }
    List<RaftPeer> wanted = new ArrayList<>();
    for (NodeRecord record : nodes) {
      if (next.get().contains(record.getNode())) {
        wanted.add(MetaGroup.peerOf(record.getNode(), record.getAddress(), RaftPeerRole.FOLLOWER));
      }
    }
    RaftClientReply reply = client.admin().setConfiguration(wanted);
    if (reply.isSuccess()) {
      log.info("the filesystem group's replicas are now nodes {} (were {})", next.get(), current);
    }
  }

  private static void closeQuietly(RaftClient retired) {
    try {
      retired.close();
    } catch (IOException e) {
      // A client that fails to close holds nothing we need.
    }
  }

  @Override
  public void close() throws IOException {
    checks.shutdownNow();
    // The notifier first: it writes to the mount's /dev/fuse, which the mount's close ends.
    notifier.ifPresent(KernelNotifier::close);
    if (mount.isPresent()) {
      mount.get().close();
    }
    RaftClient last = client;
    if (last != null) {
      last.close();
    }
  }
}
