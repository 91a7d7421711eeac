package org.onefold.client;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes protobuf's wire format by hand, for the messages of a program run ({@link RunWire}): the
 * ssi command's start-up is most of what {@code ssi onnode} costs, and the generated classes'
 * descriptors take tens of milliseconds to build in a fresh JVM. Fields are written as proto3
 * writes them: a scalar field with its default value is left out, unless it is in a oneof.
 */
final class ProtoWriter {
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LENGTH_DELIMITED = 2;
  static final int FIXED32 = 5;

  private final Buffer bytes = new Buffer();

  /** The bytes written so far, which a message can append to another's without a copy. */
  private static final class Buffer extends ByteArrayOutputStream {
    Buffer() {
      super(256);
    }

    void appendTo(ByteArrayOutputStream other) {
      other.write(buf, 0, count);
    }
  }

  /** An int32, int64 or bool field; a negative int32 takes ten bytes, as protobuf writes it. */
  ProtoWriter integer(int field, long value) {
    if (value != 0) {
      tag(field, VARINT);
      varint(value);
    }
    return this;
  }

  /** A bool field of a oneof, written even when false. */
  ProtoWriter oneofBool(int field, boolean value) {
    tag(field, VARINT);
    varint(value ? 1 : 0);
    return this;
  }

  /** An int32 field of a oneof, written even when zero. */
  ProtoWriter oneofInteger(int field, long value) {
    tag(field, VARINT);
    varint(value);
    return this;
  }

  ProtoWriter bool(int field, boolean value) {
    return integer(field, value ? 1 : 0);
  }

  ProtoWriter string(int field, String value) {
    if (!value.isEmpty()) {
      bytes(field, value.getBytes(StandardCharsets.UTF_8), 0, -1);
    }
    return this;
  }

  /** A repeated string's element, or a oneof's string: written even when empty. */
  ProtoWriter element(int field, String value) {
    return bytes(field, value.getBytes(StandardCharsets.UTF_8), 0, -1);
  }

  /** A bytes field (length -1: all of data from offset), written even when empty. */
  ProtoWriter bytes(int field, byte[] data, int offset, int length) {
    int count = length < 0 ? data.length - offset : length;
    tag(field, LENGTH_DELIMITED);
    varint(count);
    bytes.write(data, offset, count);
    return this;
  }

  /** A message field, written even when the message is empty (it is set). */
  ProtoWriter message(int field, ProtoWriter message) {
    tag(field, LENGTH_DELIMITED);
    varint(message.bytes.size());
    message.bytes.appendTo(bytes);
    return this;
  }

  /** This message with its length before it: one frame of the local API. */
  byte[] toFrame() {
    ProtoWriter frame = new ProtoWriter();
    frame.varint(bytes.size());
    bytes.appendTo(frame.bytes);
    return frame.toByteArray();
  }

  byte[] toByteArray() {
    return bytes.toByteArray();
  }

  private void tag(int field, int wireType) {
    varint(((long) field << 3) | wireType);
  }

  private void varint(long value) {
    long rest = value;
    while ((rest & ~0x7FL) != 0) {
      bytes.write((int) ((rest & 0x7F) | 0x80));
      rest >>>= 7;
    }
    bytes.write((int) rest);
  }
}
