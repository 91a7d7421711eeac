package org.onefold.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.onefold.proto.local.Error;
import org.onefold.proto.local.Request;
import org.onefold.proto.local.Response;
import org.onefold.proto.proc.Exited;
import org.onefold.proto.proc.Output;
import org.onefold.proto.proc.RunEvent;
import org.onefold.proto.proc.RunInput;
import org.onefold.proto.proc.RunStart;
import org.onefold.proto.proc.Started;
import org.onefold.proto.proc.Window;

/** The hand-written run messages against the generated classes the daemon reads them with. */
class RunWireTest {
  private static Request parse(byte[] frame) throws IOException {
    ByteArrayInputStream in = new ByteArrayInputStream(frame);
    Request request = Request.parseDelimitedFrom(in);
    assertThat(in.available()).as("one frame, nothing after it").isZero();
    return request;
  }

  @Test
  @DisplayName("a start with every field reads as the generated RunStart with the same values")
  void startWithEveryField() throws IOException {
    ProgramStart start =
        ProgramStart.of(List.of("vi", "", "naïve file"), "/home/ann")
            .onNode(3)
            .withUmask(027)
            .withEnvironment(Map.of("TERM", "xterm", "EMPTY", ""))
            .onTerminal(24, 80)
            .detached("out.log")
            .forCallersParent();

    assertThat(parse(RunWire.start(start)).getRun())
        .isEqualTo(
            RunStart.newBuilder()
                .setNode(3)
                .addAllArgv(List.of("vi", "", "naïve file"))
                .setCwd("/home/ann")
                .setUmask(027)
                .putAllEnv(Map.of("TERM", "xterm", "EMPTY", ""))
                .setTty(true)
                .setWindow(Window.newBuilder().setRows(24).setColumns(80))
                .setDetach(true)
                .setOutput("out.log")
                .setForParent(true)
                .build());
  }

  @Test
  @DisplayName("a start on the chosen node sets choose_node and no node")
  void chosenNode() throws IOException {
    RunStart read =
        parse(RunWire.start(ProgramStart.of(List.of("true"), "/").onChosenNode())).getRun();
    assertThat(read.getChooseNode()).isTrue();
    assertThat(read.getNode()).isZero();
  }

  @Property(tries = 200)
  void anyStartReadsBackWhole(
      @ForAll @Size(min = 1, max = 5) List<String> argv,
      @ForAll String directory,
      @ForAll @IntRange(min = 0, max = 0777) int umask,
      @ForAll @Size(max = 5) Map<String, String> environment,
      @ForAll @IntRange(min = 0, max = 32767) int node,
      @ForAll @IntRange(min = 0, max = 500) int rows,
      @ForAll boolean detach)
      throws IOException {
    ProgramStart start =
        ProgramStart.of(argv, directory)
            .onNode(node)
            .withUmask(umask)
            .withEnvironment(environment)
            .onTerminal(rows, 80);
    if (detach) {
      start = start.detached("");
    }
    RunStart read = parse(RunWire.start(start)).getRun();
    assertThat(read.getArgvList()).isEqualTo(argv);
    assertThat(read.getCwd()).isEqualTo(directory);
    assertThat(read.getUmask()).isEqualTo(umask);
    assertThat(read.getEnvMap()).isEqualTo(environment);
    assertThat(read.getNode()).isEqualTo(node);
    assertThat(read.getWindow().getRows()).isEqualTo(rows);
    assertThat(read.getDetach()).isEqualTo(detach);
  }

  @Test
  @DisplayName("inputs read as the generated RunInput's kinds, stdin's slice exactly")
  void inputs() throws IOException {
    byte[] data = {0, 1, 2, (byte) 0xff, 4};
    assertThat(parse(RunWire.stdin(data, 1, 3)).getRunInput())
        .isEqualTo(RunInput.newBuilder().setStdin(ByteString.copyFrom(data, 1, 3)).build());
    assertThat(parse(RunWire.stdinClosed()).getRunInput())
        .isEqualTo(RunInput.newBuilder().setStdinClosed(true).build());
    assertThat(parse(RunWire.signal(2)).getRunInput())
        .isEqualTo(RunInput.newBuilder().setSignal(2).build());
    assertThat(parse(RunWire.windowChange(50, 132)).getRunInput())
        .isEqualTo(
            RunInput.newBuilder()
                .setWindow(Window.newBuilder().setRows(50).setColumns(132))
                .build());
  }

  private static ProgramEvent decode(RunEvent.Builder event) {
    return RunWire.event(Response.newBuilder().setRunEvent(event).build().toByteArray());
  }

  @Test
  @DisplayName("each event the daemon writes reads as its ProgramEvent")
  void events() {
    assertThat(
            decode(
                RunEvent.newBuilder()
                    .setStarted(
                        Started.newBuilder()
                            .setCpid(3L << 16 | 70000)
                            .setNode(3)
                            .setPid(4242)
                            .setPlacement("node 3 chosen"))))
        .isEqualTo(new ProgramEvent.Started(3L << 16 | 70000, 3, 4242, "node 3 chosen"));
    ProgramEvent output =
        decode(
            RunEvent.newBuilder()
                .setOutput(
                    Output.newBuilder().setFd(2).setData(ByteString.copyFrom(new byte[] {0, 10}))));
    assertThat(output).isInstanceOf(ProgramEvent.Output.class);
    assertThat(((ProgramEvent.Output) output).fd()).isEqualTo(2);
    assertThat(((ProgramEvent.Output) output).data()).containsExactly(0, 10);
    assertThat(
            decode(
                RunEvent.newBuilder().setExited(Exited.newBuilder().setStatus(137).setSignal(9))))
        .isEqualTo(new ProgramEvent.Exited(0, 137, 9));
    assertThat(decode(RunEvent.newBuilder().setExited(Exited.getDefaultInstance())))
        .isEqualTo(new ProgramEvent.Exited(0, 0, 0));
    assertThat(decode(RunEvent.newBuilder().setLost("node 2 went down")))
        .isEqualTo(new ProgramEvent.Lost(0, "node 2 went down"));
  }

  @Test
  @DisplayName("a start on all nodes sets all_nodes; each event carries the node it is tagged with")
  void allNodesAndTags() throws IOException {
    RunStart read =
        parse(RunWire.start(ProgramStart.of(List.of("uptime"), "/").onNode(2).onAllNodes()))
            .getRun();
    assertThat(read.getAllNodes()).isTrue();
    assertThat(read.getNode()).isZero();

    assertThat(decode(RunEvent.newBuilder().setNode(7).setExited(Exited.newBuilder().setStatus(3))))
        .isEqualTo(new ProgramEvent.Exited(7, 3, 0));
    assertThat(decode(RunEvent.newBuilder().setNode(7).setLost("refused")))
        .isEqualTo(new ProgramEvent.Lost(7, "refused"));
    assertThat(
            decode(RunEvent.newBuilder().setNode(7).setOutput(Output.newBuilder().setFd(1))).node())
        .isEqualTo(7);
    // The node tag written before the kind, as another encoder may order them, reads the same.
    byte[] tagFirst = {(byte) 0x8a, 0x01, 0x04, 0x28, 0x07, 0x1a, 0x00};
    assertThat(RunWire.event(tagFirst)).isEqualTo(new ProgramEvent.Exited(7, 0, 0));
  }

  @Test
  @DisplayName("an error response is the daemon's error, with its code and message")
  void error() {
    byte[] response =
        Response.newBuilder()
            .setError(
                Error.newBuilder().setCode(Error.Code.INVALID).setMessage("no node 9 (nodes: 1-3)"))
            .build()
            .toByteArray();
    assertThatThrownBy(() -> RunWire.event(response))
        .isInstanceOfSatisfying(
            OnefoldException.class, e -> assertThat(e.code()).isEqualTo(Error.Code.INVALID))
        .hasMessage("no node 9 (nodes: 1-3)");
  }

  @Test
  @DisplayName("fields unknown here are skipped; a response without an event or a broken one fails")
  void unknownAndBroken() {
    byte[] exited =
        Response.newBuilder()
            .setRunEvent(RunEvent.newBuilder().setExited(Exited.newBuilder().setStatus(1)))
            .build()
            .toByteArray();
    // A later field 99 (fixed64) and field 98 (a string) before it.
    byte[] unknown = {(byte) 0x92, 0x06, 0x01, 'x', (byte) 0x99, 0x06, 1, 2, 3, 4, 5, 6, 7, 8};
    byte[] withUnknown = new byte[unknown.length + exited.length];
    System.arraycopy(unknown, 0, withUnknown, 0, unknown.length);
    System.arraycopy(exited, 0, withUnknown, unknown.length, exited.length);
    assertThat(RunWire.event(withUnknown)).isEqualTo(new ProgramEvent.Exited(0, 1, 0));

    assertThatThrownBy(() -> RunWire.event(new byte[0]))
        .isInstanceOfSatisfying(
            OnefoldException.class, e -> assertThat(e.code()).isEqualTo(Error.Code.INTERNAL))
        .hasMessageContaining("no event");
    byte[] cut = java.util.Arrays.copyOf(exited, exited.length - 1);
    assertThatThrownBy(() -> RunWire.event(cut))
        .isInstanceOfSatisfying(
            OnefoldException.class, e -> assertThat(e.code()).isEqualTo(Error.Code.INTERNAL))
        .hasMessageContaining("malformed");
  }
}
