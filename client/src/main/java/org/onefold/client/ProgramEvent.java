package org.onefold.client;

/**
 * What a {@link ProgramRun} reports, in this order: started, then output, then exited or lost, and
 * nothing after. A detached run reports only started. A run on all nodes reports each node's events
 * in this order, interleaved as they come; {@link #node()} tells them apart.
 */
public sealed interface ProgramEvent {
  /** The node the program runs on (0 if the daemon did not say). */
  int node();

  /**
   * The program runs: its cluster pid, its node, its pid there, and (when the cluster chose the
   * node) why that node.
   */
  record Started(long cpid, int node, int pid, String placement) implements ProgramEvent {}

  /** Bytes the program wrote on fd 1 (stdout) or 2 (stderr). */
  record Output(int node, int fd, byte[] data) implements ProgramEvent {}

  /** The program's end: status as a shell reports it (128 + signal if killed), the signal or 0. */
  record Exited(int node, int status, int signal) implements ProgramEvent {}

  /**
   * The program's node went down or could not be reached: its end is unknown. In a run on all
   * nodes, also a start that node refused.
   */
  record Lost(int node, String reason) implements ProgramEvent {}
}
