package org.onefold.cli;

/**
 * An operating failure of a command (a missing key, a daemon that would not start): printed as one
 * line {@code ssi: <message>}, exit status 1. Usage errors are {@link UsageError} instead (exit
 * status 2).
 */
final class Failure extends RuntimeException {
  Failure(String message) {
    super(message);
  }

  Failure(String message, Throwable cause) {
    super(message, cause);
  }
}
