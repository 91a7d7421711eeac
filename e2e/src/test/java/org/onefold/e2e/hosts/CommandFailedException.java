package org.onefold.e2e.hosts;

/** An external command the test hosts rely on failed, timed out or could not start. */
public final class CommandFailedException extends RuntimeException {

  CommandFailedException(String message) {
    super(message);
  }

  CommandFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
