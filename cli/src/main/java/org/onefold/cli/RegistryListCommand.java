package org.onefold.cli;

import java.io.PrintStream;
import java.util.List;
import org.onefold.client.OnefoldClient;
import org.onefold.proto.KeyValue;

/** {@code ssi reg ls [PREFIX]}: keys in key order, one per line. */
final class RegistryListCommand implements Command {
  private String prefix = "";

  /** 0 for the daemon's cap. */
  private int limit;

  private boolean json;

  @Override
  public Syntax syntax() {
    return new Syntax(
            "List keys under PREFIX, one per line: KEY<TAB>REVISION<TAB>VALUE.",
            "A value that is not UTF-8 text without control characters shows as <N bytes>.")
        .optionalParameter("PREFIX", "Only keys starting with this.", value -> prefix = value)
        .option(
            "--limit",
            "N",
            "At most N keys (default: the daemon's cap).",
            value -> limit = Converters.integer(value))
        .flag("--json", "Print a JSON array of entries.", () -> json = true);
  }

  @Override
  public int run(Ssi ssi) {
    if (limit < 0) {
      throw new UsageError("--limit must be 0 or more, not " + limit);
    }
    try (OnefoldClient client = ssi.client()) {
      List<KeyValue> entries = client.registry().list(prefix, limit);
      PrintStream out = ssi.console().out();
      out.print(json ? jsonText(entries) + "\n" : text(entries));
    }
    return 0;
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
