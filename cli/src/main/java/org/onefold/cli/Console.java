package org.onefold.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What a command may touch of the world outside: its standard streams, its environment and where
 * Onefold is installed. Passed in, so that tests run commands in-process with their own streams and
 * environment.
 *
 * @param onefoldHome the project root holding bin/ssid (system property onefold.home, set by
 *     bin/ssi); absent when run some other way
 */
record Console(
    InputStream in,
    PrintStream out,
    PrintStream err,
    Map<String, String> environment,
    Optional<Path> onefoldHome) {

  static Console system() {
    String home = System.getProperty("onefold.home");
    return new Console(
        System.in,
        System.out,
        System.err,
        System.getenv(),
        home == null ? Optional.empty() : Optional.of(Path.of(home)));
  }
}
