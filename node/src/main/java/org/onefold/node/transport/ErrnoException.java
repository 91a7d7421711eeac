package org.onefold.node.transport;

import java.io.IOException;

/** A libc call failed; carries the call's name and errno, and the C library's text for it. */
public final class ErrnoException extends IOException {
  private final String call;
  private final int errno;

  ErrnoException(String call, int errno) {
    super(call + ": " + Libc.errnoText(errno) + " (errno " + errno + ")");
    this.call = call;
    this.errno = errno;
  }

  String call() {
    return call;
  }

  public int errno() {
    return errno;
  }

  /** The C library's text alone, e.g. "Address already in use", for messages that name the call. */
  String errnoText() {
    return Libc.errnoText(errno);
  }
}
