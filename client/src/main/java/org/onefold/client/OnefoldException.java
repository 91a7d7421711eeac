package org.onefold.client;

import org.onefold.proto.local.Error;

/** A call the daemon refused or could not answer; {@link #code()} says which kind. */
public final class OnefoldException extends RuntimeException {
  private final Error.Code code;

  public OnefoldException(Error.Code code, String message) {
    super(message);
    this.code = code;
  }

  public OnefoldException(Error.Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public Error.Code code() {
    return code;
  }
}
