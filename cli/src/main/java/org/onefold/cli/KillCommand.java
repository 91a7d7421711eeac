package org.onefold.cli;

import java.util.ArrayList;
import java.util.List;
import org.onefold.client.OnefoldClient;
import org.onefold.client.OnefoldException;

/**
 * {@code ssi kill [-s SIG | -SIG] CPID... | -- -PGID}: kill(1) for the cluster. Each target is
 * tried; errors are worded as kill(1) words them, and the exit status is 1 if any failed.
 */
final class KillCommand implements Command {
  /** The -s option; null if not given. */
  private String signal;

  private final List<String> targets = new ArrayList<>();

  @Override
  public Syntax syntax() {
    return new Syntax(
            "Send a signal (default TERM) to processes by cpid, from any node, with kill(2)'s"
                + " rules: you must own the process, or be root.",
            "-PGID (after --) signals a process group.")
        .option("-s", "SIG", "The signal, by name or number.", value -> signal = value)
        .restParameter("CPID", "Cluster pids; -PGID for a group.", targets::add)
        .dashWordsAreParameters();
  }

  @Override
  public int run(Ssi ssi) {
    List<String> cpids = new ArrayList<>(targets);
    String chosen = signal;
    // kill -9 CPID and kill -KILL CPID: a leading -SIG is the signal, as in kill(1).
    if (chosen == null && cpids.size() > 1 && cpids.getFirst().startsWith("-")) {
      String first = cpids.getFirst().substring(1);
      boolean aGroup =
          !first.isEmpty()
              && first.chars().allMatch(Character::isDigit)
              && SignalNames.number(first).isEmpty();
      if (!aGroup) {
        chosen = first;
        cpids.removeFirst();
      }
    }
    String name = chosen == null ? "TERM" : chosen;
    int number =
        SignalNames.number(name)
            .orElseThrow(() -> new UsageError(name + ": invalid signal specification"));
    int status = 0;
    try (OnefoldClient client = ssi.client()) {
      for (String target : cpids) {
        boolean group = target.startsWith("-");
        long cpid;
        try {
          cpid = Long.parseLong(group ? target.substring(1) : target);
        } catch (NumberFormatException e) {
          throw new UsageError("'" + target + "' is not a cpid, nor -PGID");
        }
        try {
          client.kill(cpid, group, number);
        } catch (OnefoldException e) {
          ssi.console().err().println("ssi: kill: " + e.getMessage());
          status = 1;
        }
      }
    }
    return status;
  }
}
