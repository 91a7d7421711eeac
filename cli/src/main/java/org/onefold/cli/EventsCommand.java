package org.onefold.cli;

import java.io.PrintStream;
import java.util.Optional;
import org.onefold.client.EventStream;
import org.onefold.client.OnefoldClient;
import org.onefold.proto.Event;

/** {@code ssi events}: membership events (joins, up, down, role changes) as they are applied. */
final class EventsCommand implements Command {
  /** 0 for events from now on. */
  private long from;

  private boolean json;

  @Override
  public Syntax syntax() {
    return new Syntax(
            "Print membership events (joins, up, down, roles), one per line, until interrupted.",
            "<time> rev N node K joined at host:port (incarnation I)",
            "<time> rev N node K up (incarnation I)",
            "<time> rev N node K down (incarnation I): reason",
            "<time> rev N roles: voters [1, 2, 3] nonvoters [4]")
        .option(
            "--from",
            "REV",
            "Start at revision REV (default: only events from now on).",
            value -> from = Converters.revision(value))
        .flag("--json", "Print one JSON document per event.", () -> json = true);
  }

  @Override
  public int run(Ssi ssi) {
    PrintStream out = ssi.console().out();
    try (OnefoldClient client = ssi.client();
        EventStream events = client.events(from)) {
      while (events.hasNext()) {
        Event event = events.next();
        Optional<String> line =
            json ? EventFormat.membershipJson(event) : EventFormat.membershipLine(event);
        if (line.isPresent()) {
          out.println(line.get());
          out.flush();
          if (out.checkError()) {
            return 0; // stdout is gone (a closed pipe, as with | head): nobody reads on.
          }
        }
      }
    }
    return 0;
  }
}
