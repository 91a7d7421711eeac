package org.onefold.cli;

import java.util.List;
import org.onefold.client.OnefoldClient;
import org.onefold.proto.local.PsReply;
import org.onefold.proto.proc.ProcessInfo;

/**
 * {@code ssi ps}: the processes of the whole cluster. Every up node is asked at once with a bounded
 * wait; a node that does not answer in time is named on stderr and the rest is still printed.
 */
final class PsCommand implements Command {
  private boolean all;

  /** 0 for every node. */
  private int node;

  /** A name or uid; null for every user. */
  private String user;

  private boolean json;
  private boolean tree;

  @Override
  public Syntax syntax() {
    return new Syntax(
            "List the cluster's processes: those started through Onefold and what they started.",
            "With --all, every process of every node."
                + " Each has a cluster pid (CPID), node << 16 | n.")
        .flag("-a, --all", "Every process of every node.", () -> all = true)
        .option(
            "-n", "NODE", "Only node NODE's processes.", value -> node = Converters.integer(value))
        .option("-u", "USER", "Only USER's processes (name or uid).", value -> user = value)
        .flag("--json", "A JSON array of objects, one per process.", () -> json = true)
        .flag("--tree", "Each process under its parent, as ps f draws them.", () -> tree = true);
  }

  @Override
  public int run(Ssi ssi) {
    try (OnefoldClient client = ssi.client()) {
      PsReply reply = client.ps(all, node);
      for (String silent : reply.getSilentList()) {
        ssi.console().err().println("ssi: " + silent);
      }
      List<ProcessInfo> processes =
          reply.getProcessesList().stream()
              .filter(
                  process ->
                      user == null
                          || user.equals(process.getUser())
                          || user.equals(Integer.toString(process.getUid())))
              .toList();
      String text =
          json
              ? PsFormat.json(processes) + "\n"
              : tree ? PsFormat.tree(processes) : PsFormat.table(processes);
      ssi.console().out().print(text);
    }
    return 0;
  }
}
