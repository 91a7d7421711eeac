package org.onefold.client;

import java.io.BufferedInputStream;
import java.io.EOFException;
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

/**
 * One connection to the daemon's Unix socket: requests out, responses in, in order. Each message is
 * a frame: its length as a varint, then the message. Calls send generated messages; a program run
 * sends and reads frames it wrote by hand ({@link RunWire}).
 */
final class LocalConnection implements AutoCloseable {
  /** The largest response taken: a whole cluster's ps fits many times over. */
  static final int FRAME_BYTES_MAX = 256 << 20;

  private static final int INPUT_BUFFER_BYTES = 64 * 1024;

  private final Path socket;
  private final SocketChannel channel;
  private final InputStream input;
  private final OutputStream output;

  private LocalConnection(Path socket, SocketChannel channel) {
    this.socket = socket;
    this.channel = channel;
    // Buffered: a frame's length is read a byte at a time.
    this.input = new BufferedInputStream(Channels.newInputStream(channel), INPUT_BUFFER_BYTES);
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

  /** Sends a frame: a message with its length before it. */
  void sendFrame(byte[] frame) {
    try {
      output.write(frame);
      output.flush();
    } catch (IOException e) {
      throw lost(e);
    }
  }

  /** The next response; throws if the daemon closed the connection or answered with an error. */
  Response receive() {
    Response response;
    try {
      response = Response.parseFrom(receiveFrame());
    } catch (IOException e) {
      throw lost(e);
    }
    if (response.hasError()) {
      throw new OnefoldException(response.getError().getCode(), response.getError().getMessage());
    }
    return response;
  }

  /** The next frame's message; throws if the daemon closed the connection. */
  byte[] receiveFrame() {
    try {
      int first = input.read();
      if (first < 0) {
        throw new OnefoldException(
            Error.Code.UNAVAILABLE, "ssid at " + socket + " closed the connection");
      }
      long length = first & 0x7F;
      for (int shift = 7, next = first; (next & 0x80) != 0; shift += 7) {
        next = input.read();
        if (next < 0 || shift > 28) {
          throw new IOException("a broken frame length");
        }
        length |= (long) (next & 0x7F) << shift;
      }
      if (length > FRAME_BYTES_MAX) {
        throw new IOException(
            "a frame of " + length + " bytes, over the limit of " + FRAME_BYTES_MAX);
      }
      byte[] message = input.readNBytes((int) length);
      if (message.length < length) {
        throw new EOFException("the connection ended inside a frame");
      }
      return message;
    } catch (IOException e) {
      throw lost(e);
    }
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
