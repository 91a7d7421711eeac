package org.onefold.e2e.hosts;

import java.util.List;

/**
 * How a command run to completion ended: its exit code and what it wrote. Output beyond {@link
 * Commands#OUTPUT_BYTES_MAX} per stream is dropped.
 */
public record ProcessResult(List<String> command, int exitCode, String output, String errorOutput) {

  public ProcessResult {
    command = List.copyOf(command);
  }

  public boolean succeeded() {
    return exitCode == 0;
  }

  /** One line for a failure message: the command, its exit code and its stderr. */
  public String describe() {
    return "'"
        + String.join(" ", command)
        + "' exited with "
        + exitCode
        + (errorOutput.isBlank() ? "" : ": " + errorOutput.strip());
  }
}
