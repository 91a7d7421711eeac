package org.onefold.client;

import java.util.List;
import java.util.Map;

/**
 * What {@link OnefoldClient#run} starts: a program, where, and in which surroundings. The daemon
 * adds who runs it (the caller, from the kernel); nothing here can claim another user. Made with
 * {@link #of} and changed with the {@code on...}/{@code with...} methods, each a new value.
 *
 * @param argv the program and its arguments; argv[0] is looked up in PATH as a shell would
 * @param node the node to run on; 0: the node the client talks to
 * @param chooseNode let the cluster choose the node by load ({@code ssi run}); node is ignored
 * @param allNodes run on every up node at once ({@code ssi onall}), stdin closed; node is ignored
 * @param directory the working directory, entered as the user
 * @param umask the file mode creation mask, as umask(2) takes it
 * @param environment exactly the environment the program gets (the daemon drops nothing more)
 * @param terminal run on a pseudo-terminal of its node, of rows by columns (0: the default size)
 * @param detach run in the background: the run ends once the program has started
 * @param output with detach, the file that gets stdout and stderr (empty: /dev/null)
 * @param forParent the calling process starts the program for its own parent (as ssi does), who
 *     becomes the program's parent
 */
public record ProgramStart(
    List<String> argv,
    int node,
    boolean chooseNode,
    boolean allNodes,
    String directory,
    int umask,
    Map<String, String> environment,
    boolean terminal,
    int rows,
    int columns,
    boolean detach,
    String output,
    boolean forParent) {

  public ProgramStart {
    argv = List.copyOf(argv);
    environment = Map.copyOf(environment);
    if (node < 0) {
      throw new IllegalArgumentException("node " + node + " is negative; 0 means this node");
    }
  }

  /** argv in directory with umask 022 and no environment, on the client's node. */
  public static ProgramStart of(List<String> argv, String directory) {
    return new Builder(argv, directory).build();
  }

  public ProgramStart onNode(int number) {
    Builder builder = toBuilder();
    builder.node = number;
    builder.chooseNode = false;
    builder.allNodes = false;
    return builder.build();
  }

  /** The same program on the node the cluster chooses by load. */
  public ProgramStart onChosenNode() {
    Builder builder = toBuilder();
    builder.node = 0;
    builder.chooseNode = true;
    builder.allNodes = false;
    return builder.build();
  }

  /** The same program on every up node at once; their stdin is closed. */
  public ProgramStart onAllNodes() {
    Builder builder = toBuilder();
    builder.node = 0;
    builder.chooseNode = false;
    builder.allNodes = true;
    return builder.build();
  }

  public ProgramStart withUmask(int mask) {
    Builder builder = toBuilder();
    builder.umask = mask;
    return builder.build();
  }

  public ProgramStart withEnvironment(Map<String, String> variables) {
    Builder builder = toBuilder();
    builder.environment = variables;
    return builder.build();
  }

  /** On a pseudo-terminal of rows by columns (0 by 0: its default size). */
  public ProgramStart onTerminal(int terminalRows, int terminalColumns) {
    Builder builder = toBuilder();
    builder.terminal = true;
    builder.rows = terminalRows;
    builder.columns = terminalColumns;
    return builder.build();
  }

  /** Detached, its output appended to file (empty: thrown away). */
  public ProgramStart detached(String file) {
    Builder builder = toBuilder();
    builder.detach = true;
    builder.output = file;
    return builder.build();
  }

  /** Started for the calling process's parent, as ssi starts programs (see forParent). */
  public ProgramStart forCallersParent() {
    Builder builder = toBuilder();
    builder.forParent = true;
    return builder.build();
  }

  private Builder toBuilder() {
    Builder builder = new Builder(argv, directory);
    builder.node = node;
    builder.chooseNode = chooseNode;
    builder.allNodes = allNodes;
    builder.umask = umask;
    builder.environment = environment;
    builder.terminal = terminal;
    builder.rows = rows;
    builder.columns = columns;
    builder.detach = detach;
    builder.output = output;
    builder.forParent = forParent;
    return builder;
  }

  /** The components, one by one, for the methods above. */
  private static final class Builder {
    private final List<String> argv;
    private final String directory;
    private int node;
    private boolean chooseNode;
    private boolean allNodes;
    private int umask = 022;
    private Map<String, String> environment = Map.of();
    private boolean terminal;
    private int rows;
    private int columns;
    private boolean detach;
    private String output = "";
    private boolean forParent;

    private Builder(List<String> argv, String directory) {
      this.argv = argv;
      this.directory = directory;
    }

    private ProgramStart build() {
      return new ProgramStart(
          argv,
          node,
          chooseNode,
          allNodes,
          directory,
          umask,
          environment,
          terminal,
          rows,
          columns,
          detach,
          output,
          forParent);
    }
  }
}
