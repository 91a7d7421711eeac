package org.onefold.client;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads protobuf's wire format by hand, field by field (see {@link ProtoWriter} for why). Fields
 * not asked for are skipped, as protobuf skips unknown fields; a malformed message fails with
 * {@link IllegalArgumentException}.
 */
final class ProtoReader {
  private final byte[] bytes;
  private int position;
  private final int end;
  private int tag;

  ProtoReader(byte[] bytes) {
    this(bytes, 0, bytes.length);
  }

  private ProtoReader(byte[] bytes, int offset, int end) {
    this.bytes = bytes;
    this.position = offset;
    this.end = end;
  }

  /** Moves to the next field; false at the message's end. */
  boolean next() {
    if (position >= end) {
      return false;
    }
    tag = (int) varint();
    if (field() == 0) {
      throw malformed("field number 0");
    }
    return true;
  }

  int field() {
    return tag >>> 3;
  }

  private int wireType() {
    return tag & 7;
  }

  long integer() {
    expect(ProtoWriter.VARINT);
    return varint();
  }

  String string() {
    int length = length();
    String value = new String(bytes, position, length, StandardCharsets.UTF_8);
    position += length;
    return value;
  }

  byte[] bytes() {
    int length = length();
    byte[] value = Arrays.copyOfRange(bytes, position, position + length);
    position += length;
    return value;
  }

  /** The current field, a message, to read on its own. */
  ProtoReader message() {
    int length = length();
    ProtoReader message = new ProtoReader(bytes, position, position + length);
    position += length;
    return message;
  }

  /** Skips the current field, whatever its type. */
  void skip() {
    switch (wireType()) {
      case ProtoWriter.VARINT -> varint();
      case ProtoWriter.FIXED64 -> advance(8);
      case ProtoWriter.LENGTH_DELIMITED -> advance(length());
      case ProtoWriter.FIXED32 -> advance(4);
      default -> throw malformed("wire type " + wireType() + " of field " + field());
    }
  }

  private int length() {
    expect(ProtoWriter.LENGTH_DELIMITED);
    long length = varint();
    if (length < 0 || length > end - position) {
      throw malformed("length " + length + " of field " + field() + " past the message's end");
    }
    return (int) length;
  }

  private void advance(int count) {
    if (count > end - position) {
      throw malformed("field " + field() + " past the message's end");
    }
    position += count;
  }

  private void expect(int wireType) {
    if (wireType() != wireType) {
      throw malformed("field " + field() + " has wire type " + wireType() + ", not " + wireType);
    }
  }

  private long varint() {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (position >= end) {
        throw malformed("varint past the message's end");
      }
      byte next = bytes[position++];
      value |= (long) (next & 0x7F) << shift;
      if (next >= 0) {
        return value;
      }
    }
    throw malformed("varint longer than ten bytes");
  }

  private static IllegalArgumentException malformed(String what) {
    return new IllegalArgumentException("malformed protobuf message: " + what);
  }
}
