package org.onefold.cli;

import java.io.PrintStream;
import java.util.Optional;
import org.onefold.client.EventStream;
import org.onefold.client.OnefoldClient;
import org.onefold.proto.Event;

/**
 * {@code ssi reg watch [PREFIX]}: every change under a prefix, one line each, until interrupted.
 */
final class RegistryWatchCommand implements Command {
  private String prefix = "";

  /** 0 for changes from now on. */
  private long from;

  private boolean json;

  @Override
  public Syntax syntax() {
    return new Syntax(
            "Print changes of keys under PREFIX, one per line, until interrupted:",
            "REV put KEY VALUE",
            "REV delete KEY (cause)")
        .optionalParameter("PREFIX", "Only keys starting with this.", value -> prefix = value)
        .option(
            "--from",
            "REV",
            "Start at revision REV (default: only changes from now on).",
            value -> from = Converters.revision(value))
        .flag("--json", "Print one JSON document per change.", () -> json = true);
  }

  @Override
  public int run(Ssi ssi) {
    PrintStream out = ssi.console().out();
    try (OnefoldClient client = ssi.client();
        EventStream changes = client.registry().watch(prefix, from)) {
      while (changes.hasNext()) {
        Event event = changes.next();
        Optional<String> line =
            json ? EventFormat.registryJson(event) : EventFormat.registryLine(event);
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
