package org.onefold.cli;

import java.io.PrintStream;
import org.onefold.client.OnefoldClient;
import org.onefold.proto.KeyValue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code ssi reg get KEY}: one key's value, as raw bytes (for scripts) or as JSON. */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description =
        "Print a key's value: its bytes exactly, then a newline. A missing key fails (exit 1).")
final class RegistryGetCommand implements Runnable {
  @ParentCommand RegistryCommand registry;

  @Parameters(index = "0", paramLabel = "KEY", description = "The key.")
  String key;

  @Option(
      names = "--json",
      description = "Print the entry's fields (revisions, version, bound node) as JSON.")
  boolean json;

  @Override
  public void run() {
    try (OnefoldClient client = registry.ssi.client()) {
      KeyValue entry = client.registry().get(key).orElseThrow(() -> new Failure("no key " + key));
      PrintStream out = registry.ssi.console().out();
      if (json) {
        out.println(Json.document(generator -> Json.keyValue(generator, entry)));
      } else {
        out.writeBytes(ValueFormat.raw(entry.getValue().toByteArray()));
      }
    }
  }
}
