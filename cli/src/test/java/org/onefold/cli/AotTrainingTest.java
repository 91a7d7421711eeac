package org.onefold.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.onefold.proto.local.Response;
import org.onefold.proto.proc.RunEvent;

class AotTrainingTest {
  private static RunEvent read(byte[] frame) throws IOException {
    ByteArrayInputStream in = new ByteArrayInputStream(frame);
    Response response = Response.parseDelimitedFrom(in);
    assertThat(in.available()).as("one whole frame").isZero();
    return response.getRunEvent();
  }

  @Test
  @DisplayName("the runs training's canned frames are the events they claim to be")
  void cannedRunFrames() throws IOException {
    RunEvent started = read(AotTraining.CannedRuns.STARTED);
    assertThat(started.getStarted().getCpid()).isEqualTo(131073);
    assertThat(started.getStarted().getNode()).isEqualTo(2);
    assertThat(started.getStarted().getPid()).isEqualTo(7);
    assertThat(started.getStarted().getPlacement()).isEqualTo("node 2 chosen");
    RunEvent output = read(AotTraining.CannedRuns.OUTPUT);
    assertThat(output.getOutput().getFd()).isEqualTo(1);
    assertThat(output.getOutput().getData().toStringUtf8()).isEqualTo("\n");
    assertThat(read(AotTraining.CannedRuns.EXITED).hasExited()).isTrue();
  }
}
