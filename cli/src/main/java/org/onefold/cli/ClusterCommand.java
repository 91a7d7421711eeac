package org.onefold.cli;

import org.onefold.client.OnefoldClient;
import org.onefold.proto.local.ClusterReply;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code ssi cluster}: the node table, as the answering node has applied it. */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description =
        "Show the cluster's nodes: address, state, incarnation, role (the leader marked *).")
final class ClusterCommand implements Runnable {
  @ParentCommand Ssi ssi;

  @Option(names = "--json", description = "Print one JSON document instead of a table.")
  boolean json;

  @Override
  public void run() {
    try (OnefoldClient client = ssi.client()) {
      ClusterReply reply = client.cluster();
      ssi.console()
          .out()
          .print(json ? ClusterFormat.json(reply) + "\n" : ClusterFormat.table(reply));
    }
  }
}
