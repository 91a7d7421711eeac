package org.onefold.cli;

import java.io.PrintStream;
import org.onefold.client.OnefoldClient;
import org.onefold.proto.KeyValue;

/** {@code ssi reg get KEY}: one key's value, as raw bytes (for scripts) or as JSON. */
final class RegistryGetCommand implements Command {
  private String key;
  private boolean json;

  @Override
  public Syntax syntax() {
    return new Syntax(
            "Print a key's value: its bytes exactly, then a newline. A missing key fails (exit 1).")
        .parameter("KEY", "The key.", value -> key = value)
        .flag(
            "--json",
            "Print the entry's fields (revisions, version, bound node) as JSON.",
            () -> json = true);
  }

  @Override
  public int run(Ssi ssi) {
    try (OnefoldClient client = ssi.client()) {
      KeyValue entry = client.registry().get(key).orElseThrow(() -> new Failure("no key " + key));
      PrintStream out = ssi.console().out();
      if (json) {
        out.println(Json.document(generator -> Json.keyValue(generator, entry)));
      } else {
        out.writeBytes(ValueFormat.raw(entry.getValue().toByteArray()));
      }
    }
    return 0;
  }
}
