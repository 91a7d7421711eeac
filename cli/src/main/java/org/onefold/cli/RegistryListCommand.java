package org.onefold.cli;

import java.io.PrintStream;
import java.util.List;
import org.onefold.client.OnefoldClient;
import org.onefold.proto.KeyValue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ssi reg ls [PREFIX]}: keys in key order, one per line. */
@Command(
    name = "ls",
    mixinStandardHelpOptions = true,
    description = {
      "List keys under PREFIX, one per line: KEY<TAB>REVISION<TAB>VALUE.",
      "A value that is not UTF-8 text without control characters shows as <N bytes>."
    })
final class RegistryListCommand implements Runnable {
  @ParentCommand RegistryCommand registry;

  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "PREFIX",
      description = "Only keys starting with this.")
  String prefix = "";

  @Option(
      names = "--limit",
      paramLabel = "N",
      description = "At most N keys (default: the daemon's cap).")
  int limit;

  @Option(names = "--json", description = "Print a JSON array of entries.")
  boolean json;

  @Override
  public void run() {
    if (limit < 0) {
      throw new ParameterException(spec.commandLine(), "--limit must be 0 or more, not " + limit);
    }
    try (OnefoldClient client = registry.ssi.client()) {
      List<KeyValue> entries = client.registry().list(prefix, limit);
      PrintStream out = registry.ssi.console().out();
      out.print(json ? jsonText(entries) + "\n" : text(entries));
    }
  }

  static String text(List<KeyValue> entries) {
    StringBuilder text = new StringBuilder();
    for (KeyValue entry : entries) {
      text.append(entry.getKey())
          .append('\t')
          .append(entry.getModRevision())
          .append('\t')
          .append(ValueFormat.display(entry.getValue().toByteArray()))
          .append('\n');
    }
    return text.toString();
  }

  static String jsonText(List<KeyValue> entries) {
    return Json.document(
        json -> {
          json.writeStartArray();
          for (KeyValue entry : entries) {
            Json.keyValue(json, entry);
          }
          json.writeEndArray();
        });
  }
}
