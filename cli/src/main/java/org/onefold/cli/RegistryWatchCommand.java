package org.onefold.cli;

import java.io.PrintStream;
import java.util.Optional;
import org.onefold.client.EventStream;
import org.onefold.client.OnefoldClient;
import org.onefold.proto.Event;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code ssi reg watch [PREFIX]}: every change under a prefix, one line each, until interrupted.
 */
@Command(
    name = "watch",
    mixinStandardHelpOptions = true,
    description = {
      "Print changes of keys under PREFIX, one per line, until interrupted:",
      "REV put KEY VALUE",
      "REV delete KEY (cause)"
    })
final class RegistryWatchCommand implements Runnable {
  @ParentCommand RegistryCommand registry;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "PREFIX",
      description = "Only keys starting with this.")
  String prefix = "";

  @Option(
      names = "--from",
      paramLabel = "REV",
      converter = Converters.Revision.class,
      description = "Start at revision REV (default: only changes from now on).")
  long from;

  @Option(names = "--json", description = "Print one JSON document per change.")
  boolean json;

  @Override
  public void run() {
    PrintStream out = registry.ssi.console().out();
    try (OnefoldClient client = registry.ssi.client();
        EventStream changes = client.registry().watch(prefix, from)) {
      while (changes.hasNext()) {
        Event event = changes.next();
        Optional<String> line =
            json ? EventFormat.registryJson(event) : EventFormat.registryLine(event);
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
