package org.onefold.cli;

import org.onefold.client.OnefoldClient;
import org.onefold.client.OnefoldException;
import org.onefold.proto.local.WaitReply;

/**
 * {@code ssi wait CPID}: waits for the end of a program started through Onefold (by you, or by
 * anyone for root), prints its status and exits with it, as a shell's wait returns a job's status.
 * A program whose node went down is lost: 255.
 */
final class WaitCommand implements Command {
  private long cpid;

  @Override
  public Syntax syntax() {
    return new Syntax(
            "Wait for the end of a program started through Onefold; print its status and exit"
                + " with it (128+N if signal N ended it; 255 if its node went down).",
            "Its status is given once: a second wait finds no such process.")
        .parameter("CPID", "A cluster pid.", value -> cpid = Converters.longInteger(value));
  }

  @Override
  public int run(Ssi ssi) {
    WaitReply reply;
    try (OnefoldClient client = ssi.client()) {
      reply = client.waitFor(cpid);
    } catch (OnefoldException e) {
      ssi.console().err().println("ssi: wait: " + e.getMessage());
      return 1;
    }
    if (reply.hasExited()) {
      ssi.console().out().println(reply.getExited().getStatus());
      return reply.getExited().getStatus();
    }
    ssi.console().err().println("ssi: " + reply.getLost());
    return ProgramRunner.STATUS_LOST;
  }
}
