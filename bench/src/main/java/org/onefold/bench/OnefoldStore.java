package org.onefold.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.onefold.client.OnefoldClient;
import org.onefold.proto.local.ClusterReply;
import org.onefold.proto.local.NodeStatus;

/**
 * The Onefold registry of a local cluster made by {@code ssi up --dir D}: sessions are
 * OnefoldClient connections to the leader's node socket, D/node<k>/ssid.sock. One OnefoldClient
 * takes its calls in turn on one connection, so each session has its own.
 */
final class OnefoldStore implements KeyValueStore {
  private final Path socket;

  /** Every session opened, closed by close(); touched under its own lock. */
  private final List<OnefoldClient> clients = new ArrayList<>();

  private OnefoldStore(Path socket) {
    this.socket = socket;
  }

  /**
   * The store behind the meta leader of the cluster in directory; asks the first node that answers.
   */
  static OnefoldStore atLeader(Path directory, int nodesMax) {
    for (int node = 1; node <= nodesMax; node++) {
      Path socket = directory.resolve("node" + node).resolve("ssid.sock");
      if (!Files.exists(socket)) {
        continue;
      }
      try (OnefoldClient client = OnefoldClient.connect(socket)) {
        ClusterReply cluster = client.cluster();
        int leaderDirectory = directoryNodeOf(cluster, cluster.getLeader());
        if (leaderDirectory > 0) {
          return new OnefoldStore(directory.resolve("node" + leaderDirectory).resolve("ssid.sock"));
        }
      }
    }
    throw new IllegalStateException(
        "no node under "
            + directory
            + " (node1..node"
            + nodesMax
            + ") knows a leader; is the cluster up (bin/ssi up --dir "
            + directory
            + ")?");
  }

  /** ssi up puts node k on 127.0.1.k in D/node<k>; the leader's address names its directory. */
  private static int directoryNodeOf(ClusterReply cluster, int leader) {
    for (NodeStatus status : cluster.getNodesList()) {
      if (leader != 0 && status.getRecord().getNode() == leader) {
        String host = status.getRecord().getAddress().getHost();
        return Integer.parseInt(host.substring(host.lastIndexOf('.') + 1));
      }
    }
    return 0;
  }

  @Override
  public String name() {
    return "onefold";
  }

  @Override
  public String endpoint() {
    return socket.toString();
  }

  @Override
  public Session openSession() {
    OnefoldClient client = OnefoldClient.connect(socket);
    synchronized (clients) {
      clients.add(client);
    }
    return new Session() {
      @Override
      public void put(String key, byte[] value) {
        client.registry().put(key, value);
      }

      @Override
      public int get(String key) {
        return client.registry().get(key).map(entry -> entry.getValue().size()).orElse(-1);
      }

      @Override
      public void close() {
        client.close();
      }
    };
  }

  @Override
  public void close() {
    synchronized (clients) {
      clients.forEach(OnefoldClient::close);
      clients.clear();
    }
  }
}
