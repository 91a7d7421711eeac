package org.onefold.cli;

import java.util.List;
import org.onefold.client.OnefoldClient;
import org.onefold.proto.local.PsReply;
import org.onefold.proto.proc.ProcessInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code ssi ps}: the processes of the whole cluster. Every up node is asked at once with a bounded
 * wait; a node that does not answer in time is named on stderr and the rest is still printed.
 */
@Command(
    name = "ps",
    mixinStandardHelpOptions = true,
    description = {
      "List the cluster's processes: those started through Onefold and what they started;",
      "with --all, every process of every node. Each has a cluster pid (CPID), node << 16 | n."
    })
final class PsCommand implements Runnable {
  @ParentCommand Ssi ssi;

  @Option(
      names = {"-a", "--all"},
      description = "Every process of every node.")
  boolean all;

  @Option(names = "-n", paramLabel = "NODE", description = "Only node NODE's processes.")
  int node;

  @Option(names = "-u", paramLabel = "USER", description = "Only USER's processes (name or uid).")
  String user;

  @Option(names = "--json", description = "A JSON array of objects, one per process.")
  boolean json;

  @Option(names = "--tree", description = "Each process under its parent, as ps f draws them.")
  boolean tree;

  @Override
  public void run() {
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
  }
}
