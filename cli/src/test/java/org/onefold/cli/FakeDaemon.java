package org.onefold.cli;

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
 * A stand-in for ssid's local API in tests: a Unix socket that answers each length-delimited
 * Request with answer(request), and records what it was asked. A watch or events request is
 * answered with the responses of streams(request), after which the connection closes, as when a
 * daemon stops. One virtual thread accepts; one serves each connection.
 */
final class FakeDaemon implements AutoCloseable {
  private final ServerSocketChannel server;
  private final Function<Request, Response> answer;
  private final Function<Request, List<Response>> streams;
  final List<Request> requests = new CopyOnWriteArrayList<>();

  FakeDaemon(Path socket, Function<Request, Response> answer) throws IOException {
    this(socket, answer, request -> List.of());
  }

  FakeDaemon(
      Path socket, Function<Request, Response> answer, Function<Request, List<Response>> streams)
      throws IOException {
    this.answer = answer;
    this.streams = streams;
    this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    Thread.ofVirtual().start(this::accept);
  }

  private void accept() {
    while (server.isOpen()) {
      try {
        SocketChannel connection = server.accept();
        Thread.ofVirtual().start(() -> serve(connection));
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
        if (request.hasWatch() || request.hasEvents()) {
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
