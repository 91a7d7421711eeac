package org.onefold.cli;

import org.onefold.client.OnefoldClient;
import org.onefold.proto.local.ClusterReply;

/** {@code ssi cluster}: the node table, as the answering node has applied it. */
final class ClusterCommand implements Command {
  private boolean json;

  @Override
  public Syntax syntax() {
    return new Syntax(
            "Show the cluster's nodes: address, state, incarnation, role (the leader marked *).")
        .flag("--json", "Print one JSON document instead of a table.", () -> json = true);
  }

  @Override
  public int run(Ssi ssi) {
    try (OnefoldClient client = ssi.client()) {
      ClusterReply reply = client.cluster();
      ssi.console()
          .out()
          .print(json ? ClusterFormat.json(reply) + "\n" : ClusterFormat.table(reply));
    }
    return 0;
  }
}
