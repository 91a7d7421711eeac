package org.onefold.cli;

/**
 * A command line that does not fit its command: an unknown option, a missing or extra argument, a
 * bad value. Printed as one line {@code ssi: <message> (see 'ssi <command> --help')}, exit status
 * 2. Thrown by the parser, by value converters and by a command that checks its values further.
 * Operating failures are {@link Failure} instead (exit status 1).
 */
final class UsageError extends RuntimeException {
  UsageError(String message) {
    super(message);
  }
}
