package org.onefold.cli;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.onefold.proto.local.Request;
import org.onefold.proto.local.Response;

/**
 * A stand-in for ssid's local API, for tests and for the training run of the AOT cache ({@link
 * AotTraining}): a Unix socket that answers each length-delimited Request with answer(request), and
 * records what it was asked. A watch, events or run request is answered with the responses of
 * streams(request), after which the connection closes, as when a daemon stops (or a run ends). One
 * thread accepts; one serves each connection; both are daemon threads. Platform threads, not
 * virtual ones: the training run keeps every class it loads in the cache that each ssi start maps,
 * and virtual threads would bring their scheduler along.
 */
final class StandInDaemon implements Closeable {
  private final ServerSocketChannel server;
  private final Function<Request, Response> answer;
  private final Function<Request, List<Response>> streams;
  final List<Request> requests = new CopyOnWriteArrayList<>();

  StandInDaemon(Path socket, Function<Request, Response> answer) throws IOException {
    this(socket, answer, request -> List.of());
  }

  StandInDaemon(
      Path socket, Function<Request, Response> answer, Function<Request, List<Response>> streams)
      throws IOException {
    this.answer = answer;
    this.streams = streams;
    this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    Thread.ofPlatform().daemon().name("stand-in-accept").start(this::accept);
  }

  private void accept() {
    while (server.isOpen()) {
      try {
        SocketChannel connection = server.accept();
        Thread.ofPlatform().daemon().name("stand-in-serve").start(() -> serve(connection));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(SocketChannel connection) {
    try (connection) {
      InputStream in = Channels.newInputStream(connection);
      OutputStream out = Channels.newOutputStream(connection);
      while (true) {
        Request request = Request.parseDelimitedFrom(in);
        if (request == null) {
          return;
        }
        requests.add(request);
        if (request.hasWatch() || request.hasEvents() || request.hasRun()) {
          for (Response response : streams.apply(request)) {
            response.writeDelimitedTo(out);
          }
          out.flush();
          return;
        }
        answer.apply(request).writeDelimitedTo(out);
        out.flush();
      }
    } catch (IOException e) {
      // The client went away.
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
