package org.onefold.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.Optional;
import org.onefold.proto.KeyValue;

/**
 * JSON output through jackson-core's streaming generator only (databind would cost start-up time).
 * One document per call, on one line, so that streams of them (watch, events) read as JSON Lines.
 */
final class Json {
  /** Made on the first document, not when a command merely formats a time. */
  private static final class Factory {
    static final JsonFactory INSTANCE = new JsonFactory();
  }

  /** Writes one document. */
  interface Body {
    void write(JsonGenerator json) throws IOException;
  }

  private Json() {}

  static String document(Body body) {
    StringWriter text = new StringWriter();
    try (JsonGenerator json = Factory.INSTANCE.createGenerator(text)) {
      body.write(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString();
  }

  static String time(long epochMillis) {
    return UtcTime.millis(epochMillis);
  }

  /**
   * A registry entry's fields. The value is "value" (a string) when it is valid UTF-8, else
   * "value_base64".
   */
  static void keyValue(JsonGenerator json, KeyValue entry) throws IOException {
    json.writeStartObject();
    json.writeStringField("key", entry.getKey());
    byte[] value = entry.getValue().toByteArray();
    Optional<String> text = ValueFormat.utf8(value);
    if (text.isPresent()) {
      json.writeStringField("value", text.get());
    } else {
      json.writeStringField("value_base64", Base64.getEncoder().encodeToString(value));
    }
    json.writeNumberField("create_revision", entry.getCreateRevision());
    json.writeNumberField("mod_revision", entry.getModRevision());
    json.writeNumberField("version", entry.getVersion());
    json.writeNumberField("bound_node", entry.getBoundNode());
    json.writeEndObject();
  }
}
