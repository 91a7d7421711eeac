package org.onefold.client;

import com.google.protobuf.ByteString;
import org.onefold.proto.local.Request;
import org.onefold.proto.proc.RunEvent;
import org.onefold.proto.proc.RunInput;
import org.onefold.proto.proc.Window;

/**
 * A program running on some node, started by {@link OnefoldClient#run}: its events (started,
 * output, exited or lost) in order from {@link #next()}, and its stdin and signals through the
 * other methods. Inputs may be sent from any thread; events are read by one.
 */
public final class ProgramRun implements AutoCloseable {
  private final LocalConnection connection;

  ProgramRun(LocalConnection connection) {
    this.connection = connection;
  }

  /**
   * The next event; blocks until it comes. After exited or lost there is none: the next call fails.
   */
  public RunEvent next() {
    return connection.receive().getRunEvent();
  }

  public void stdin(byte[] bytes, int offset, int length) {
    send(RunInput.newBuilder().setStdin(ByteString.copyFrom(bytes, offset, length)).build());
  }

  /**
   * Closes the program's stdin. A program that has ended already (a quick {@code true}: the daemon
   * may have closed the connection after its last event) needs no closing: that is no error, and
   * its events are still there to read.
   */
  public void closeStdin() {
    try {
      send(RunInput.newBuilder().setStdinClosed(true).build());
    } catch (OnefoldException e) {
      // Ended already; next() tells how.
    }
  }

  /** Sends signal to the program's process group. */
  public void signal(int signal) {
    send(RunInput.newBuilder().setSignal(signal).build());
  }

  /** The caller's terminal has a new size. */
  public void window(int rows, int columns) {
    send(
        RunInput.newBuilder()
            .setWindow(Window.newBuilder().setRows(rows).setColumns(columns))
            .build());
  }

  private void send(RunInput input) {
    synchronized (connection) {
      connection.send(Request.newBuilder().setRunInput(input).build());
    }
  }

  /** Leaves the run: a program still running is hung up (SIGHUP). */
  @Override
  public void close() {
    connection.close();
  }
}
