package org.onefold.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.maintenance.StatusResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An etcd cluster reached with jetcd, the client on the leader's client URL only. All sessions
 * share one jetcd Client (one gRPC channel, HTTP/2 streams side by side), as etcd's own clients do;
 * each session blocks on its call, so 64 sessions on 64 threads keep 64 requests in flight. jetcd's
 * get is linearizable unless asked to be serializable.
 */
final class EtcdStore implements KeyValueStore {
  /** A call that takes longer is a failure of the run, not a latency. */
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

  private final String endpoint;
  private final Client client;

  private EtcdStore(String endpoint) {
    this.endpoint = endpoint;
    this.client = Client.builder().endpoints(endpoint).build();
  }

  /** The store behind whichever of endpoints (http://host:port) says it is the leader. */
  static EtcdStore atLeader(List<String> endpoints) {
    for (String endpoint : endpoints) {
      try (Client probe = Client.builder().endpoints(endpoint).build()) {
        StatusResponse status =
            probe
                .getMaintenanceClient()
                .statusMember(endpoint)
                .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (status.getLeader() != 0 && status.getLeader() == status.getHeader().getMemberId()) {
          return new EtcdStore(endpoint);
        }
      } catch (ExecutionException | TimeoutException e) {
        System.err.println(
            "registry bench: etcd member " + endpoint + " did not answer status: " + e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while looking for the etcd leader", e);
      }
    }
    throw new IllegalStateException("no etcd member of " + endpoints + " says it is the leader");
  }

  @Override
  public String name() {
    return "etcd";
  }

  @Override
  public String endpoint() {
    return endpoint;
  }

  @Override
  public Session openSession() {
    return new Session() {
      @Override
      public void put(String key, byte[] value) {
        await(client.getKVClient().put(bytes(key), ByteSequence.from(value)));
      }

      @Override
      public int get(String key) {
        GetResponse response = await(client.getKVClient().get(bytes(key)));
        return response.getKvs().isEmpty() ? -1 : response.getKvs().getFirst().getValue().size();
      }

      @Override
      public void close() {
        // The shared client is closed with the store.
      }
    };
  }

  private static ByteSequence bytes(String key) {
    return ByteSequence.from(key, StandardCharsets.UTF_8);
  }

  private static <T> T await(java.util.concurrent.CompletableFuture<T> future) {
    try {
      return future.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("etcd call failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new IllegalStateException("etcd call took over " + CALL_TIMEOUT.toMillis() + " ms", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during an etcd call", e);
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
