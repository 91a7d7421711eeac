package org.onefold.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.onefold.client.OnefoldClient;
import org.onefold.client.OnefoldException;
import org.onefold.client.ProgramRun;
import org.onefold.proto.NodeState;
import org.onefold.proto.local.NodeStatus;
import org.onefold.proto.proc.RunEvent;
import org.onefold.proto.proc.RunStart;

/**
 * {@code ssi onall CMD [ARGS...]}: runs a program on every up node at once, as the calling user,
 * each output line prefixed with {@code nodeN: }. The programs get no input (as with pdsh). The
 * exit status is the highest of theirs (255 for a node that went down or could not be reached).
 */
final class OnallCommand implements Command {
  private final List<String> command = new ArrayList<>();

  @Override
  public Syntax syntax() {
    return new Syntax(
            "Run a program on every up node at once, as you; each output line is prefixed with"
                + " 'nodeN: '.",
            "The programs get no input. The exit status is the highest of theirs.")
        .restParameter(
            "CMD", "The program and its arguments; looked up in PATH on each node.", command::add)
        .stopOptionsAtFirstParameter();
  }

  @Override
  public int run(Ssi ssi) throws InterruptedException {
    Console console = ssi.console();
    List<Integer> nodes = new ArrayList<>();
    try (OnefoldClient client = ssi.client()) {
      for (NodeStatus status : client.cluster().getNodesList()) {
        if (status.getRecord().getState() == NodeState.NODE_UP) {
          nodes.add(status.getRecord().getNode());
        }
      }
    }
    RunStart.Builder start = ProgramRunner.startOf(command, console);
    int[] statuses = new int[nodes.size()];
    List<Thread> runs = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      int index = i;
      int node = nodes.get(i);
      runs.add(
          Thread.ofPlatform()
              .name("node" + node)
              .start(
                  () -> statuses[index] = runOn(ssi, node, start.clone().setNode(node).build())));
    }
    for (Thread run : runs) {
      run.join();
    }
    int highest = 0;
    for (int status : statuses) {
      highest = Math.max(highest, status);
    }
    return highest;
  }

  /** Runs start on node, printing its prefixed lines; its status. */
  private static int runOn(Ssi ssi, int node, RunStart start) {
    Console console = ssi.console();
    LinePrefixer out = new LinePrefixer("node" + node + ": ");
    LinePrefixer err = new LinePrefixer("node" + node + ": ");
    try (OnefoldClient client = ssi.client();
        ProgramRun run = client.run(start)) {
      run.closeStdin();
      while (true) {
        RunEvent event = run.next();
        switch (event.getKindCase()) {
          case OUTPUT -> {
            boolean isErr = event.getOutput().getFd() == 2;
            print(
                isErr ? console.err() : console.out(),
                (isErr ? err : out).feed(event.getOutput().getData().toByteArray()));
          }
          case EXITED -> {
            print(console.out(), out.finish());
            print(console.err(), err.finish());
            return event.getExited().getStatus();
          }
          case LOST -> {
            print(console.out(), out.finish());
            print(console.err(), err.finish());
            print(console.err(), ("node" + node + ": ssi: " + event.getLost() + "\n").getBytes());
            return ProgramRunner.STATUS_LOST;
          }
          case STARTED, KIND_NOT_SET -> {}
        }
      }
    } catch (OnefoldException e) {
      print(console.err(), ("node" + node + ": ssi: " + e.getMessage() + "\n").getBytes());
      return ProgramRunner.STATUS_LOST;
    }
  }

  private static void print(PrintStream stream, byte[] lines) {
    if (lines.length == 0) {
      return;
    }
    synchronized (stream) {
      stream.writeBytes(lines);
      stream.flush();
    }
  }
}
