package org.onefold.node.transport;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixSocketServerTest {
  private static final Duration BOUND = Duration.ofSeconds(5);
  private static final ConnectionHandler ECHO =
      connection -> connection.input().transferTo(connection.output());

  @TempDir Path directory;
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final ExecutorService executor = Executors.newCachedThreadPool();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable closeable : toClose.reversed()) {
      closeable.close();
    }
    executor.shutdownNow();
  }

  @Test
  void echoesBytesForSeveralConcurrentClients() throws Exception {
    Path path = directory.resolve("ssid.sock");
    UnixSocketServer server = start(path, 16, ECHO);
    List<Future<String>> replies = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      String message = "hello from client " + i;
      replies.add(
          executor.submit(
              () -> {
                try (SocketChannel client = connect(path)) {
                  client.write(ByteBuffer.wrap(message.getBytes(UTF_8)));
                  client.shutdownOutput();
                  return new String(readToEnd(client), UTF_8);
                }
              }));
    }
    for (int i = 0; i < replies.size(); i++) {
      assertThat(replies.get(i).get(BOUND.toSeconds(), TimeUnit.SECONDS))
          .isEqualTo("hello from client " + i);
    }
    await().atMost(BOUND).until(() -> server.activeConnections() == 0);
    assertThat(server.refusedConnections()).isZero();
  }

  @Test
  void socketFileIsOpenToAllLocalUsers() throws Exception {
    Path path = directory.resolve("ssid.sock");
    start(path, 1, ECHO);
    assertThat(Files.getPosixFilePermissions(path))
        .isEqualTo(PosixFilePermissions.fromString("rw-rw-rw-"));
  }

  @Test
  void peerCredentialsComeFromTheKernel() throws Exception {
    Path path = directory.resolve("ssid.sock");
    CompletableFuture<PeerCredentials> seen = new CompletableFuture<>();
    start(path, 4, connection -> seen.complete(connection.peer()));
    connect(path);
    PeerCredentials peer = seen.get(BOUND.toSeconds(), TimeUnit.SECONDS);
    assertThat(peer)
        .isEqualTo(
            new PeerCredentials(
                (int) ProcessHandle.current().pid(),
                effectiveId("Uid:"),
                effectiveId("Gid:"),
                supplementaryGroups()));
  }

  /** This process's supplementary groups as /proc/self/status lists them. */
  private static List<Integer> supplementaryGroups() throws IOException {
    String line =
        Files.readAllLines(Path.of("/proc/self/status")).stream()
            .filter(l -> l.startsWith("Groups:"))
            .findFirst()
            .orElseThrow();
    String groups = line.substring("Groups:".length()).trim();
    return groups.isEmpty()
        ? List.of()
        : Arrays.stream(groups.split("\\s+")).map(Integer::valueOf).toList();
  }

  @Test
  void connectionPastTheLimitIsClosedAtOnceAndCounted() throws Exception {
    Path path = directory.resolve("ssid.sock");
    UnixSocketServer server = start(path, 2, ECHO);
    SocketChannel first = connectAndEcho(path);
    SocketChannel second = connectAndEcho(path);
    assertThat(server.activeConnections()).isEqualTo(2);

    try (SocketChannel third = connect(path)) {
      Future<Integer> read = executor.submit(() -> third.read(ByteBuffer.allocate(16)));
      assertThat(read.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isEqualTo(-1);
    }
    assertThat(server.refusedConnections()).isEqualTo(1);
    assertThat(server.activeConnections()).isEqualTo(2);

    first.close();
    await().atMost(BOUND).until(() -> server.activeConnections() == 1);
    connectAndEcho(path).close();
    second.close();
    await().atMost(BOUND).until(() -> server.activeConnections() == 0);
    assertThat(server.refusedConnections()).isEqualTo(1);
  }

  @Test
  void closeWakesAHandlerBlockedInReadAndRemovesTheSocketFile() throws Exception {
    Path path = directory.resolve("ssid.sock");
    CompletableFuture<Thread> handlerThread = new CompletableFuture<>();
    CompletableFuture<Integer> readResult = new CompletableFuture<>();
    UnixSocketServer server =
        start(
            path,
            4,
            connection -> {
              handlerThread.complete(Thread.currentThread());
              readResult.complete(connection.input().read());
            });
    try (SocketChannel client = connect(path)) {
      Thread thread = handlerThread.get(BOUND.toSeconds(), TimeUnit.SECONDS);
      assertThat(thread.getName()).startsWith("local-api-");
      await().atMost(BOUND).until(() -> isInNativeRead(thread));

      long startNanos = System.nanoTime();
      server.close();
      assertThat(Duration.ofNanos(System.nanoTime() - startNanos)).isLessThan(BOUND);

      assertThat(readResult.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isEqualTo(-1);
      assertThat(thread.isAlive()).isFalse();
      assertThat(path).doesNotExist();
      assertThat(server.activeConnections()).isZero();
      assertThat(client.read(ByteBuffer.allocate(1))).isEqualTo(-1);
      server.close(); // idempotent
    }
  }

  @Test
  void handlerExceptionClosesTheConnectionAndServingGoesOn() throws Exception {
    Path path = directory.resolve("ssid.sock");
    UnixSocketServer server =
        start(
            path,
            4,
            connection -> {
              if (connection.input().read() == 'x') {
                throw new IllegalStateException("handler bug");
              }
              connection.output().write('y');
            });
    try (SocketChannel client = connect(path)) {
      client.write(ByteBuffer.wrap(new byte[] {'x'}));
      assertThat(client.read(ByteBuffer.allocate(1))).isEqualTo(-1);
    }
    try (SocketChannel client = connect(path)) {
      client.write(ByteBuffer.wrap(new byte[] {'a'}));
      assertThat(new String(readToEnd(client), UTF_8)).isEqualTo("y");
    }
    await().atMost(BOUND).until(() -> server.activeConnections() == 0);
  }

  @Test
  void writeToAPeerThatHasGoneFailsWithPeerClosed() throws Exception {
    Path path = directory.resolve("ssid.sock");
    CompletableFuture<String> failure = new CompletableFuture<>();
    start(
        path,
        4,
        connection -> {
          while (connection.input().read() != -1) {
            // wait for the client to hang up
          }
          try {
            for (int i = 0; i < 1000; i++) {
              connection.output().write(new byte[1024]);
            }
            failure.complete("no failure");
          } catch (IOException e) {
            failure.complete(e.getMessage());
          }
        });
    connect(path).close();
    assertThat(failure.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isEqualTo("peer closed");
  }

  @Test
  void pathLongerThanSunPathIsRefusedWithAClearMessage() {
    Path path = directory.resolve("s".repeat(120) + ".sock");
    assertThatThrownBy(() -> UnixSocketServer.start(path, 1, ECHO))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("cannot bind " + path + ": path is ")
        .hasMessageContaining("sun_path holds at most 107 (108 with the NUL)");
    assertThat(path).doesNotExist();
  }

  @Test
  void pathWithALiveServerIsAlreadyInUse() throws Exception {
    Path path = directory.resolve("ssid.sock");
    start(path, 4, ECHO);
    assertThatThrownBy(() -> UnixSocketServer.start(path, 4, ECHO))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("cannot bind " + path + ": Address already in use");
    connectAndEcho(path).close(); // the first server still serves
  }

  @Test
  void staleSocketFileIsReplaced() throws Exception {
    Path path = directory.resolve("ssid.sock");
    try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      dead.bind(UnixDomainSocketAddress.of(path));
    }
    assertThat(path).exists(); // the JDK leaves the file behind, as a crashed daemon would
    start(path, 4, ECHO);
    connectAndEcho(path).close();
  }

  @Test
  void megabyteRoundTripsIntact() throws Exception {
    Path path = directory.resolve("ssid.sock");
    start(path, 4, ECHO);
    byte[] sent = new byte[1 << 20];
    new Random(42).nextBytes(sent);
    try (SocketChannel client = connect(path)) {
      Future<?> writer =
          executor.submit(
              () -> {
                ByteBuffer buffer = ByteBuffer.wrap(sent);
                while (buffer.hasRemaining()) {
                  client.write(buffer);
                }
                client.shutdownOutput();
                return null;
              });
      Future<byte[]> reader = executor.submit(() -> readToEnd(client));
      writer.get(BOUND.toSeconds(), TimeUnit.SECONDS);
      byte[] received = reader.get(BOUND.toSeconds(), TimeUnit.SECONDS);
      assertThat(received.length).isEqualTo(sent.length);
      assertThat(Arrays.equals(received, sent)).as("bytes echoed intact").isTrue();
    }
  }

  private UnixSocketServer start(Path path, int connectionsMax, ConnectionHandler handler)
      throws IOException {
    UnixSocketServer server = UnixSocketServer.start(path, connectionsMax, handler);
    toClose.add(server);
    return server;
  }

  private SocketChannel connect(Path path) throws IOException {
    SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX);
    toClose.add(client);
    client.connect(UnixDomainSocketAddress.of(path));
    return client;
  }

  /** Connects and waits for one byte to come back, which proves the server admitted us. */
  private SocketChannel connectAndEcho(Path path) throws Exception {
    SocketChannel client = connect(path);
    client.write(ByteBuffer.wrap(new byte[] {7}));
    ByteBuffer reply = ByteBuffer.allocate(1);
    Future<Integer> read = executor.submit(() -> client.read(reply));
    assertThat(read.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(reply.get(0)).isEqualTo((byte) 7);
    return client;
  }

  private static byte[] readToEnd(SocketChannel channel) throws IOException {
    var bytes = new java.io.ByteArrayOutputStream();
    ByteBuffer buffer = ByteBuffer.allocate(8192);
    while (channel.read(buffer) != -1) {
      bytes.write(buffer.array(), 0, buffer.position());
      buffer.clear();
    }
    return bytes.toByteArray();
  }

  /** The effective id from /proc/self/status ("Uid:\treal\teffective\tsaved\tfs"). */
  private static int effectiveId(String field) throws IOException {
    String line =
        Files.readAllLines(Path.of("/proc/self/status")).stream()
            .filter(l -> l.startsWith(field))
            .findFirst()
            .orElseThrow();
    return Integer.parseInt(line.substring(field.length()).trim().split("\\s+")[1]);
  }

  private static boolean isInNativeRead(Thread thread) {
    return Arrays.stream(thread.getStackTrace())
        .anyMatch(
            frame ->
                frame.getClassName().equals(Libc.class.getName())
                    && frame.getMethodName().equals("read"));
  }
}
