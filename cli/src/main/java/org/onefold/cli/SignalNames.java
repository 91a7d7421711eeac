package org.onefold.cli;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Signal names and numbers as Linux on x86-64 and arm64 has them, for kill. */
final class SignalNames {
  /** Index = signal number; the names kill -l prints, without SIG. */
  private static final List<String> NAMES =
      List.of(
          "0", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV",
          "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU",
          "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS");

  private static final int SIGNAL_MAX = 64;

  private SignalNames() {}

  /** The number of a signal given as 9, KILL or SIGKILL (any case); empty if it is none. */
  static Optional<Integer> number(String text) {
    if (text == null || text.isEmpty()) {
      return Optional.empty();
    }
    if (text.chars().allMatch(Character::isDigit)) {
      try {
        int number = Integer.parseInt(text);
        return number <= SIGNAL_MAX ? Optional.of(number) : Optional.empty();
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }
    String name = text.toUpperCase(Locale.ROOT);
    if (name.startsWith("SIG")) {
      name = name.substring(3);
    }
    int index = NAMES.indexOf(name);
    return index > 0 ? Optional.of(index) : Optional.empty();
  }
}
