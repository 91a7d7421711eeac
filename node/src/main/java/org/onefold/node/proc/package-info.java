/**
 * The single process space: cluster pids and the programs Onefold runs.
 *
 * <p>{@link org.onefold.node.proc.ProcessTable} (pure, package-private) gives cpids ({@code node <<
 * 16 | seq}, see {@link org.onefold.node.proc.Cpids}) to the programs this node starts and to the
 * processes it sees (their descendants, or all with ps --all). {@link
 * org.onefold.node.proc.ProcService} is the running end, ProcRpc over mutual TLS: Run (start a
 * program as the user the calling node vouches for, carry its streams with back-pressure, report
 * its end, or start it detached and keep its end), List, Signal (kill(2) with its permission
 * rules) and AwaitEnd (ssi wait; {@link org.onefold.node.proc.Endings}). A started program records
 * its parent's cpid (the Onefold process that asked for it, on any node); when that node goes down
 * the program is init's (cpid 1). {@link
 * org.onefold.node.proc.RunForwarder} and {@link org.onefold.node.proc.ClusterProcesses} are the
 * calling end, used by the local API: they take the caller from the kernel and go to the right
 * node; ps asks every up node at once with a bounded wait.
 *
 * <p>Threads: gRPC's threads never block here; each run has an input thread and three more
 * (virtual) for its output and its end; the table is guarded by its own monitor.
 */
package org.onefold.node.proc;
