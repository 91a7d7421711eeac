package org.onefold.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * One in-process run of the ssi command with its own streams and environment: what it printed and
 * returned.
 */
record Invocation(int status, String out, byte[] outBytes, String err) {

  static Invocation run(Map<String, String> environment, String... arguments) {
    return run(environment, new byte[0], arguments);
  }

  static Invocation run(Map<String, String> environment, byte[] stdin, String... arguments) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
    Console console =
        new Console(
            new ByteArrayInputStream(stdin),
            outStream,
            errStream,
            environment,
            Optional.ofNullable(System.getProperty("onefold.home")).map(Path::of));
    int status = Ssi.run(console, arguments);
    outStream.flush();
    errStream.flush();
    return new Invocation(
        status,
        out.toString(StandardCharsets.UTF_8),
        out.toByteArray(),
        err.toString(StandardCharsets.UTF_8));
  }
}
