package org.onefold.cli;

import java.io.PrintStream;
import java.util.Optional;
import org.onefold.client.EventStream;
import org.onefold.client.OnefoldClient;
import org.onefold.proto.Event;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code ssi events}: membership events (joins, up, down, role changes) as they are applied. */
@Command(
    name = "events",
    mixinStandardHelpOptions = true,
    description = {
      "Print membership events (joins, up, down, roles), one per line, until interrupted.",
      "<time> rev N node K joined at host:port (incarnation I)",
      "<time> rev N node K up (incarnation I)",
      "<time> rev N node K down (incarnation I): reason",
      "<time> rev N roles: voters [1, 2, 3] nonvoters [4]"
    })
final class EventsCommand implements Runnable {
  @ParentCommand Ssi ssi;

  @Option(
      names = "--from",
      paramLabel = "REV",
      converter = Converters.Revision.class,
      description = "Start at revision REV (default: only events from now on).")
  long from;

  @Option(names = "--json", description = "Print one JSON document per event.")
  boolean json;

  @Override
  public void run() {
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
            return; // stdout is gone (a closed pipe, as with | head): nobody reads on.
          }
        }
      }
    }
  }
}
