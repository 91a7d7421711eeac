package org.onefold.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.onefold.proto.local.Error;
import org.onefold.proto.local.Request;
import org.onefold.proto.local.Response;

/** One connection to the daemon's Unix socket: requests out, responses in, in order. */
final class LocalConnection implements AutoCloseable {
  private final Path socket;
  private final SocketChannel channel;
  private final InputStream input;
  private final OutputStream output;

  private LocalConnection(Path socket, SocketChannel channel) {
    this.socket = socket;
    this.channel = channel;
    this.input = Channels.newInputStream(channel);
    this.output = Channels.newOutputStream(channel);
  }

  static LocalConnection open(Path socket) {
    if (!Files.exists(socket)) {
      throw new OnefoldException(
          Error.Code.UNAVAILABLE,
          "no ssid socket at "
              + socket
              + "; is the node's daemon running? (set --socket or SSI_SOCKET)");
    }
    try {
      SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
      try {
        channel.connect(UnixDomainSocketAddress.of(socket));
      } catch (IOException e) {
        channel.close();
        throw e;
      }
      return new LocalConnection(socket, channel);
    } catch (IOException e) {
      throw new OnefoldException(
          Error.Code.UNAVAILABLE,
          "cannot connect to ssid at "
              + socket
              + ": "
              + e.getMessage()
              + "; is the node's daemon running?",
          e);
    }
  }

  void send(Request request) {
    try {
      request.writeDelimitedTo(output);
      output.flush();
    } catch (IOException e) {
      throw lost(e);
    }
  }

  /** The next response; throws if the daemon closed the connection or answered with an error. */
  Response receive() {
    Response response;
    try {
      response = Response.parseDelimitedFrom(input);
    } catch (IOException e) {
      throw lost(e);
    }
    if (response == null) {
      throw new OnefoldException(
          Error.Code.UNAVAILABLE, "ssid at " + socket + " closed the connection");
    }
    if (response.hasError()) {
      throw new OnefoldException(response.getError().getCode(), response.getError().getMessage());
    }
    return response;
  }

  private OnefoldException lost(IOException e) {
    return new OnefoldException(
        Error.Code.UNAVAILABLE,
        "lost the connection to ssid at " + socket + ": " + e.getMessage(),
        e);
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // Closing a Unix socket fails only if it is closed already.
    }
  }
}
