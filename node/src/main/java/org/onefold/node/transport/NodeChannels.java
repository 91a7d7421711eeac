package org.onefold.node.transport;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.onefold.proto.NodeAddress;

/**
 * gRPC channels to other nodes' RPC ports, mutual TLS, one per address, made on first use and kept
 * until close. A channel reconnects by itself; a node that moved to another address gets a new one.
 * Thread-safe.
 */
public final class NodeChannels implements AutoCloseable {
  private final SslContext tls;
  private final ConcurrentMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private volatile boolean closed;

  public NodeChannels(SslContext tls) {
    this.tls = tls;
  }

  public ManagedChannel to(NodeAddress address) {
    if (closed) {
      throw new IllegalStateException("the node's channels are closed");
    }
    return channels.computeIfAbsent(
        address.getHost() + ":" + address.getRpcPort(),
        ignored ->
            NettyChannelBuilder.forAddress(address.getHost(), address.getRpcPort())
                .sslContext(tls)
                .build());
  }

  /** After a peer is back: reconnect at the next call rather than after gRPC's back-off. */
  public void resetConnectBackoff() {
    channels.values().forEach(ManagedChannel::resetConnectBackoff);
  }

  @Override
  public void close() {
    closed = true;
    channels.values().forEach(ManagedChannel::shutdownNow);
    channels.clear();
  }
}
