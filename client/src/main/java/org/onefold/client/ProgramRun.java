package org.onefold.client;

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
  public ProgramEvent next() {
    return RunWire.event(connection.receiveFrame());
  }

  public void stdin(byte[] bytes, int offset, int length) {
    send(RunWire.stdin(bytes, offset, length));
  }

  /** Closes the program's stdin. */
  public void closeStdin() {
    send(RunWire.stdinClosed());
  }

  /** Sends signal to the program's process group. */
  public void signal(int signal) {
    send(RunWire.signal(signal));
  }

  /** The caller's terminal has a new size. */
  public void window(int rows, int columns) {
    send(RunWire.windowChange(rows, columns));
  }

  private void send(byte[] frame) {
    synchronized (connection) {
      connection.sendFrame(frame);
    }
  }

  /** Leaves the run: a program still running is hung up (SIGHUP). */
  @Override
  public void close() {
    connection.close();
  }
}
