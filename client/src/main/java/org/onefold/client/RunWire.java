package org.onefold.client;

import java.util.Map;
import org.onefold.proto.local.Error;

/**
 * The local API's messages for a program run, written and read by hand: {@code Request.run} and
 * {@code Request.run_input} out, {@code Response.run_event} and {@code Response.error} in (see
 * local.proto and proc.proto, whose field numbers these are). This is the path of {@code ssi
 * onnode}, where the generated classes' start-up cost would be a third of the command's time;
 * RunWireTest holds it to the generated classes' encoding.
 */
final class RunWire {
  private RunWire() {}

  // Request (local.proto)
  private static final int REQUEST_RUN = 9;
  private static final int REQUEST_RUN_INPUT = 10;

  // RunStart (proc.proto)
  private static final int START_NODE = 1;
  private static final int START_ARGV = 2;
  private static final int START_CWD = 3;
  private static final int START_UMASK = 4;
  private static final int START_ENV = 5;
  private static final int START_TTY = 7;
  private static final int START_WINDOW = 8;
  private static final int START_CHOOSE_NODE = 9;
  private static final int START_DETACH = 10;
  private static final int START_OUTPUT = 11;
  private static final int START_FOR_PARENT = 12;
  private static final int START_ALL_NODES = 14;
  private static final int MAP_KEY = 1;
  private static final int MAP_VALUE = 2;
  private static final int WINDOW_ROWS = 1;
  private static final int WINDOW_COLUMNS = 2;

  // RunInput (proc.proto), a oneof
  private static final int INPUT_STDIN = 2;
  private static final int INPUT_STDIN_CLOSED = 3;
  private static final int INPUT_SIGNAL = 4;
  private static final int INPUT_WINDOW = 5;

  // Response (local.proto)
  private static final int RESPONSE_ERROR = 1;
  private static final int RESPONSE_RUN_EVENT = 17;
  private static final int ERROR_CODE = 1;
  private static final int ERROR_MESSAGE = 2;

  // RunEvent (proc.proto), a oneof, and its messages
  private static final int EVENT_STARTED = 1;
  private static final int EVENT_OUTPUT = 2;
  private static final int EVENT_EXITED = 3;
  private static final int EVENT_LOST = 4;
  private static final int EVENT_NODE = 5;
  private static final int STARTED_CPID = 1;
  private static final int STARTED_NODE = 2;
  private static final int STARTED_PID = 3;
  private static final int STARTED_PLACEMENT = 4;
  private static final int OUTPUT_FD = 1;
  private static final int OUTPUT_DATA = 2;
  private static final int EXITED_STATUS = 1;
  private static final int EXITED_SIGNAL = 2;

  /** The request that starts a run, as one frame. */
  static byte[] start(ProgramStart start) {
    ProtoWriter message = new ProtoWriter().integer(START_NODE, start.node());
    for (String argument : start.argv()) {
      message.element(START_ARGV, argument);
    }
    message.string(START_CWD, start.directory()).integer(START_UMASK, start.umask());
    for (Map.Entry<String, String> variable : start.environment().entrySet()) {
      message.message(
          START_ENV,
          new ProtoWriter()
              .string(MAP_KEY, variable.getKey())
              .string(MAP_VALUE, variable.getValue()));
    }
    message.bool(START_TTY, start.terminal());
    if (start.terminal() && (start.rows() > 0 || start.columns() > 0)) {
      message.message(START_WINDOW, window(start.rows(), start.columns()));
    }
    message
        .bool(START_CHOOSE_NODE, start.chooseNode())
        .bool(START_DETACH, start.detach())
        .string(START_OUTPUT, start.output())
        .bool(START_FOR_PARENT, start.forParent())
        .bool(START_ALL_NODES, start.allNodes());
    return new ProtoWriter().message(REQUEST_RUN, message).toFrame();
  }

  static byte[] stdin(byte[] data, int offset, int length) {
    return input(new ProtoWriter().bytes(INPUT_STDIN, data, offset, length));
  }

  static byte[] stdinClosed() {
    return input(new ProtoWriter().oneofBool(INPUT_STDIN_CLOSED, true));
  }

  static byte[] signal(int signal) {
    return input(new ProtoWriter().oneofInteger(INPUT_SIGNAL, signal));
  }

  /** The caller's terminal has a new size. */
  static byte[] windowChange(int rows, int columns) {
    return input(new ProtoWriter().message(INPUT_WINDOW, window(rows, columns)));
  }

  private static ProtoWriter window(int rows, int columns) {
    return new ProtoWriter().integer(WINDOW_ROWS, rows).integer(WINDOW_COLUMNS, columns);
  }

  private static byte[] input(ProtoWriter input) {
    return new ProtoWriter().message(REQUEST_RUN_INPUT, input).toFrame();
  }

  /**
   * The event in a response; throws the daemon's error as an {@link OnefoldException}, and fails
   * (INTERNAL) on a response that is neither.
   */
  static ProgramEvent event(byte[] response) {
    ProtoReader reader = new ProtoReader(response);
    ProgramEvent event = null;
    try {
      while (reader.next()) {
        switch (reader.field()) {
          case RESPONSE_ERROR -> throw error(reader.message());
          case RESPONSE_RUN_EVENT -> event = runEvent(reader.message());
          default -> reader.skip();
        }
      }
    } catch (IllegalArgumentException e) {
      throw new OnefoldException(Error.Code.INTERNAL, "the daemon's answer: " + e.getMessage(), e);
    }
    if (event == null) {
      throw new OnefoldException(Error.Code.INTERNAL, "the daemon answered a run with no event");
    }
    return event;
  }

  private static OnefoldException error(ProtoReader reader) {
    Error.Code code = Error.Code.UNSPECIFIED;
    String message = "";
    while (reader.next()) {
      switch (reader.field()) {
        case ERROR_CODE -> {
          Error.Code known = Error.Code.forNumber((int) reader.integer());
          code = known == null ? Error.Code.UNSPECIFIED : known;
        }
        case ERROR_MESSAGE -> message = reader.string();
        default -> reader.skip();
      }
    }
    return new OnefoldException(code, message);
  }

  /** A RunEvent: its kind's message is kept until the node (which may come after it) is read. */
  private static ProgramEvent runEvent(ProtoReader reader) {
    int kind = 0;
    ProtoReader message = null;
    String lost = "";
    int node = 0;
    while (reader.next()) {
      switch (reader.field()) {
        case EVENT_STARTED, EVENT_OUTPUT, EVENT_EXITED -> {
          kind = reader.field();
          message = reader.message();
        }
        case EVENT_LOST -> {
          kind = EVENT_LOST;
          lost = reader.string();
        }
        case EVENT_NODE -> node = (int) reader.integer();
        default -> reader.skip();
      }
    }
    return switch (kind) {
      case EVENT_STARTED -> started(message, node);
      case EVENT_OUTPUT -> output(message, node);
      case EVENT_EXITED -> exited(message, node);
      case EVENT_LOST -> new ProgramEvent.Lost(node, lost);
      default -> throw new IllegalArgumentException("a run event of no kind known here");
    };
  }

  private static ProgramEvent started(ProtoReader reader, int eventNode) {
    long cpid = 0;
    int node = eventNode;
    int pid = 0;
    String placement = "";
    while (reader.next()) {
      switch (reader.field()) {
        case STARTED_CPID -> cpid = reader.integer();
        case STARTED_NODE -> node = (int) reader.integer();
        case STARTED_PID -> pid = (int) reader.integer();
        case STARTED_PLACEMENT -> placement = reader.string();
        default -> reader.skip();
      }
    }
    return new ProgramEvent.Started(cpid, node, pid, placement);
  }

  private static ProgramEvent output(ProtoReader reader, int node) {
    int fd = 0;
    byte[] data = new byte[0];
    while (reader.next()) {
      switch (reader.field()) {
        case OUTPUT_FD -> fd = (int) reader.integer();
        case OUTPUT_DATA -> data = reader.bytes();
        default -> reader.skip();
      }
    }
    return new ProgramEvent.Output(node, fd, data);
  }

  private static ProgramEvent exited(ProtoReader reader, int node) {
    int status = 0;
    int signal = 0;
    while (reader.next()) {
      switch (reader.field()) {
        case EXITED_STATUS -> status = (int) reader.integer();
        case EXITED_SIGNAL -> signal = (int) reader.integer();
        default -> reader.skip();
      }
    }
    return new ProgramEvent.Exited(node, status, signal);
  }
}
