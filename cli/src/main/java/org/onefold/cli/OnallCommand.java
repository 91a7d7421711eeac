package org.onefold.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.onefold.client.OnefoldClient;
import org.onefold.client.OnefoldException;
import org.onefold.client.ProgramEvent;
import org.onefold.client.ProgramRun;

/**
 * {@code ssi onall CMD [ARGS...]}: runs a program on every up node at once, as the calling user,
 * each output line prefixed with {@code nodeN: }. The programs get no input (as with pdsh). The
 * exit status is the highest of theirs (255 for a node that went down or could not be reached).
 *
 * <p>One request does it: the node this command talks to starts the runs and sends back every
 * node's events on one connection, tagged with their node, and closes it when all have ended. So
 * this command opens one connection whatever the cluster's size, and needs no list of nodes first.
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

  /** One node's run as this command sees it: its line prefixers and its status once ended. */
  private static final class NodeRun {
    final LinePrefixer out;
    final LinePrefixer err;
    Integer status;

    NodeRun(int node) {
      out = new LinePrefixer("node" + node + ": ");
      err = new LinePrefixer("node" + node + ": ");
    }
  }

  @Override
  public int run(Ssi ssi) {
    Console console = ssi.console();
    Map<Integer, NodeRun> runs = new TreeMap<>();
    try (OnefoldClient client = ssi.client();
        ProgramRun run = client.run(ProgramRunner.startOf(command, console).onAllNodes())) {
      while (true) {
        ProgramEvent event;
        try {
          event = run.next();
        } catch (OnefoldException e) {
          if (runs.isEmpty()) {
            throw e;
          }
          // The node closed the connection: every run has ended (or this node went away).
          break;
        }
        NodeRun node = runs.computeIfAbsent(event.node(), NodeRun::new);
        // instanceof, not a pattern switch: see ProgramRunner.follow.
        if (event instanceof ProgramEvent.Output output) {
          boolean isErr = output.fd() == 2;
          print(
              isErr ? console.err() : console.out(),
              (isErr ? node.err : node.out).feed(output.data()));
        } else if (event instanceof ProgramEvent.Exited exited) {
          finish(console, node);
          node.status = exited.status();
        } else if (event instanceof ProgramEvent.Lost lost) {
          finish(console, node);
          print(
              console.err(), ("node" + event.node() + ": ssi: " + lost.reason() + "\n").getBytes());
          node.status = ProgramRunner.STATUS_LOST;
        }
      }
    }
    int highest = 0;
    for (Map.Entry<Integer, NodeRun> node : runs.entrySet()) {
      if (node.getValue().status == null) {
        finish(console, node.getValue());
        print(
            console.err(),
            ("node" + node.getKey() + ": ssi: lost the run: the connection to ssid ended\n")
                .getBytes());
        node.getValue().status = ProgramRunner.STATUS_LOST;
      }
      highest = Math.max(highest, node.getValue().status);
    }
    return highest;
  }

  /** Prints what is left of a node's last lines. */
  private static void finish(Console console, NodeRun node) {
    print(console.out(), node.out.finish());
    print(console.err(), node.err.finish());
  }

  private static void print(PrintStream stream, byte[] lines) {
    if (lines.length == 0) {
      return;
    }
    stream.writeBytes(lines);
    stream.flush();
  }
}
