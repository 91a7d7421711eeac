package org.onefold.node.proc;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The ends of the programs this node started, as futures that waiters ({@code ssi wait}) attach to:
 * one per started program, made at its start, completed at its end, forgotten when the table reaps
 * it. At most one per entry of the process table, so bounded as the table is.
 *
 * <p>Thread-safe: every method holds this object's monitor; futures complete outside it.
 */
final class Endings {
  private final Map<Integer, CompletableFuture<ProcessTable.Ending>> byCpid = new HashMap<>();

  /** The end of cpid's program, made if none is kept. */
  synchronized CompletableFuture<ProcessTable.Ending> of(int cpid) {
    return byCpid.computeIfAbsent(cpid, ignored -> new CompletableFuture<>());
  }

  /** cpid's program ended: every waiter is told. */
  void ended(int cpid, ProcessTable.Ending how) {
    of(cpid).complete(how);
  }

  /** cpid was reaped: no one can wait for it any more. */
  synchronized void forget(int cpid) {
    byCpid.remove(cpid);
  }
}
