package org.onefold.node.proc;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.onefold.node.transport.NodeCertificateInterceptor;
import org.onefold.node.transport.Signals;
import org.onefold.proto.proc.Exited;
import org.onefold.proto.proc.ListReply;
import org.onefold.proto.proc.ListRequest;
import org.onefold.proto.proc.ProcRpcGrpc;
import org.onefold.proto.proc.ProcessInfo;
import org.onefold.proto.proc.RunEvent;
import org.onefold.proto.proc.RunInput;
import org.onefold.proto.proc.SignalReply;
import org.onefold.proto.proc.SignalRequest;
import org.onefold.proto.proc.WaitReply;
import org.onefold.proto.proc.WaitRequest;

/**
 * Runs programs on this node for other nodes (and for itself): the running end of {@code ssi
 * onnode}. A Run call starts the program as the user the calling node vouches for (that node took
 * the user from its kernel; the caller is the node its certificate names), gives it a cpid from
 * this node's {@link ProcessTable}, and then carries its streams both ways with back-pressure:
 * stdin is written as the call delivers it, one message at a time; output is sent only as fast as
 * the caller reads. The call ends with the program's status. A caller that goes away hangs the
 * program up (SIGHUP to its process group), as a closed terminal would.
 *
 * <p>Threads: each Run call is a {@link RunningProgram} with its own threads; List and Signal run
 * on gRPC's threads. The table is guarded by its own monitor.
 */
public final class ProcService extends ProcRpcGrpc.ProcRpcImplBase {
  private final int node;
  private final ProgramLauncher launcher;
  private final InstantSource clock;

  /** Guarded by itself. */
  private final ProcessTable table;

  private final ProcScanner scanner = new ProcScanner(Path.of("/proc"));

  private final Endings endings = new Endings();

  /** A cgroup per started program, on a root daemon with cgroup2; else empty (sessions). */
  private final Optional<ProgramCgroups> cgroups;

  /** Clock ticks per second of /proc's times (sysconf(_SC_CLK_TCK); 100 on Linux). */
  private static final long CLOCK_TICKS_PER_SECOND = 100;

  public ProcService(int node, Path socket, InstantSource clock) throws IOException {
    ProgramLauncher.checkTools();
    this.node = node;
    ProgramLauncher.Identity daemon = ProgramLauncher.Identity.ofThisProcess();
    this.launcher = new ProgramLauncher(daemon, node, socket);
    this.clock = clock;
    this.table = new ProcessTable(node, Limits.PROCESSES_MAX);
    this.cgroups =
        daemon.uid() == 0
            ? ProgramCgroups.forThisDaemon(
                Path.of("/proc"), node, ProcessHandle.current().pid() + "-" + clock.millis())
            : Optional.empty();
  }

  /**
   * Programs started from now on run in the cluster view kept at namespaceFile, where this node's
   * socket is socket.
   */
  public void runInView(Path namespaceFile, Path socket) {
    launcher.enterView(new ProgramLauncher.View(namespaceFile, socket));
  }

  /** Programs wait to start until {@link #runInView} or {@link #runOutsideView}. */
  public void expectView() {
    launcher.expectView();
  }

  /** Programs start in the node's own namespace (no view could be made). */
  public void runOutsideView() {
    launcher.noView();
  }

  @Override
  public void list(ListRequest request, StreamObserver<ListReply> responses) {
    responses.onNext(ListReply.newBuilder().addAllProcesses(processes(request)).build());
    responses.onCompleted();
  }

  /**
   * This node's processes with cpids: those started through Onefold and their descendants (all in
   * their programs' cgroups; without cgroups, the processes of their sessions), or every process
   * with all. A process seen for the first time is given a cpid here.
   */
  List<ProcessInfo> processes(ListRequest request) {
    Set<Long> inProgramCgroups = programCgroupMembers();
    // With cgroups, Onefold's processes are the cgroups' members: read those alone, not all of
    // /proc (a node that runs nothing for Onefold answers at once).
    boolean everyProcess = request.getAll() || cgroups.isEmpty();
    Set<Long> startedSessions;
    synchronized (table) {
      startedSessions = startedSessions();
    }
    List<ProcScanner.Found> found =
        everyProcess
            ? scanner.scan()
            : readAll(onefoldPids(inProgramCgroups, startedSessions, request.getCpid()));
    Map<Integer, String> users = ProcScanner.userNames();
    List<ProcessInfo> infos = new ArrayList<>();
    synchronized (table) {
      Set<ProcessTable.Seen> alive = new HashSet<>();
      Map<Long, Integer> cpidByPid = new HashMap<>();
      for (ProcScanner.Found process : found) {
        alive.add(process.seen());
        Optional<ProcessTable.Entry> known = table.byPid(process.seen());
        if (known.isPresent()) {
          cpidByPid.put(process.stat().pid(), known.get().cpid());
        } else if (request.getAll()
            || startedSessions.contains(process.stat().session())
            || inProgramCgroups.contains(process.stat().pid())) {
          table
              .adopt(process.seen(), process.realUid(), process.argv(), clock.millis())
              .ifPresent(cpid -> cpidByPid.put(process.stat().pid(), cpid));
        }
      }
      if (everyProcess) {
        // Only a look at every process tells which adopted ones are gone.
        table.keepAdopted(alive);
      }
      for (ProcScanner.Found process : found) {
        Integer cpid = cpidByPid.get(process.stat().pid());
        if (cpid == null || (request.getCpid() != 0 && request.getCpid() != cpid)) {
          continue;
        }
        boolean started = table.get(cpid).map(entry -> !entry.adopted()).orElse(false);
        boolean shown =
            request.getAll()
                || request.getCpid() != 0
                || started
                || startedSessions.contains(process.stat().session())
                || inProgramCgroups.contains(process.stat().pid());
        if (!shown) {
          continue;
        }
        infos.add(
            ProcessInfo.newBuilder()
                .setCpid(cpid)
                .setNode(node)
                .setPid((int) process.stat().pid())
                .setUid(process.realUid())
                .setUser(users.getOrDefault(process.realUid(), Integer.toString(process.realUid())))
                .setPpid(
                    started
                        ? shownParent(table.get(cpid).orElseThrow())
                        : cpidByPid.getOrDefault(process.stat().ppid(), 0))
                .setPgid(cpidByPid.getOrDefault(process.stat().pgrp(), 0))
                .setStat(Character.toString(process.stat().state()))
                .setCpuMillis(process.stat().cpuTicks() * 1000 / CLOCK_TICKS_PER_SECOND)
                .setCommand(process.command())
                .setStarted(started)
                .build());
      }
    }
    return infos;
  }

  /**
   * The running started programs' pids (their sessions), the members of their cgroups, and the
   * process of cpid (any process seen once, when cpid is not 0).
   */
  private Set<Long> onefoldPids(Set<Long> inProgramCgroups, Set<Long> startedSessions, long cpid) {
    Set<Long> pids = new HashSet<>(inProgramCgroups);
    pids.addAll(startedSessions);
    synchronized (table) {
      table.get(cpid).ifPresent(entry -> pids.add(entry.pid()));
    }
    return pids;
  }

  private List<ProcScanner.Found> readAll(Set<Long> pids) {
    List<ProcScanner.Found> found = new ArrayList<>(pids.size());
    for (long pid : pids) {
      scanner.read(pid).ifPresent(found::add);
    }
    return found;
  }

  /**
   * The running started programs' pids, which are also their sessions (setsid made them leaders).
   * The caller holds the table's monitor.
   */
  private Set<Long> startedSessions() {
    Set<Long> sessions = new HashSet<>();
    for (ProcessTable.Entry entry : table.all()) {
      if (!entry.adopted() && entry.ending().isEmpty()) {
        sessions.add(entry.pid());
      }
    }
    return sessions;
  }

  /**
   * The pids in started programs' cgroups (their whole trees, wherever they went); and the cgroups
   * no one lives in any more are removed, except those of cpids the table still holds: a cpid
   * reserved for a start has a cgroup its program has not entered yet.
   */
  private Set<Long> programCgroupMembers() {
    if (cgroups.isEmpty()) {
      return Set.of();
    }
    Set<Long> pids = new HashSet<>();
    Set<Integer> keep = new HashSet<>();
    for (Map.Entry<Integer, Set<Long>> program : cgroups.get().members().entrySet()) {
      pids.addAll(program.getValue());
      if (!program.getValue().isEmpty()) {
        keep.add(program.getKey());
      }
    }
    synchronized (table) {
      keep.addAll(table.cpids());
      // Under the table's monitor: no cpid is reserved (and its cgroup made) meanwhile.
      cgroups.get().sweep(keep);
    }
    return pids;
  }

  /**
   * A started program's parent as ps shows it: the Onefold process that started it, or init (1)
   * once that process has ended, if it was of this node (the parent's own node tells the rest: see
   * ClusterProcesses); 0 if none started it. The caller holds the table's monitor.
   */
  private long shownParent(ProcessTable.Entry entry) {
    long parent = entry.parentCpid();
    if (Cpids.nodeOf(parent) == node
        && table.get(parent).filter(known -> known.ending().isEmpty()).isEmpty()) {
      return ProcessTable.INIT_CPID;
    }
    return parent;
  }

  /**
   * The cpid of the local process pid if it is a Onefold process (started here, or of the session
   * of a program started here, given a cpid now if it had none); 0 otherwise. Used to name the
   * parent of a program this process asks to start.
   */
  public long cpidOf(long pid) {
    // This runs for every run: the stat line first, and the table; more only for a stranger.
    Optional<ProcStat> stat = scanner.stat(pid);
    if (stat.isEmpty()) {
      return 0;
    }
    ProcessTable.Seen seen = new ProcessTable.Seen(stat.get().pid(), stat.get().startTicks());
    synchronized (table) {
      Optional<ProcessTable.Entry> known = table.byPid(seen);
      if (known.isPresent()) {
        return known.get().cpid();
      }
    }
    Optional<ProcScanner.Found> found = scanner.read(pid);
    if (found.isEmpty() || !found.get().seen().equals(seen)) {
      return 0;
    }
    // One process's cgroup file, not every program's member list.
    boolean inProgramCgroup =
        cgroups.isPresent() && cgroups.get().holds(Path.of("/proc", Long.toString(pid), "cgroup"));
    synchronized (table) {
      Optional<ProcessTable.Entry> known = table.byPid(seen);
      if (known.isPresent()) {
        return known.get().cpid(); // Adopted meanwhile by a ps.
      }
      boolean onefoldProcess =
          inProgramCgroup || startedSessions().contains(found.get().stat().session());
      if (!onefoldProcess) {
        return 0;
      }
      return table.adopt(seen, found.get().realUid(), found.get().argv(), clock.millis()).orElse(0);
    }
  }

  /** The parent of pid as /proc names it; 0 if pid is gone. */
  public long parentPid(long pid) {
    return scanner.stat(pid).map(ProcStat::ppid).orElse(0L);
  }

  /** node went down: the programs here that it started are init's now. */
  public void nodeDown(int downNode) {
    synchronized (table) {
      table.orphan(downNode);
    }
  }

  @Override
  public void signal(SignalRequest request, StreamObserver<SignalReply> responses) {
    responses.onNext(SignalReply.newBuilder().setErrno(signal(request)).build());
    responses.onCompleted();
  }

  /** kill(2) with its rules, for the user the calling node vouches for: 0 or an errno. */
  private int signal(SignalRequest request) {
    if (request.getSignal() < 0 || request.getSignal() > Signals.SIGNAL_MAX) {
      return Errno.EINVAL;
    }
    if (!request.hasCredentials()) {
      return Errno.EPERM;
    }
    Optional<ProcessTable.Entry> entry;
    synchronized (table) {
      entry = table.get(request.getCpid()).filter(known -> known.ending().isEmpty());
    }
    Optional<ProcScanner.Found> process =
        entry
            .flatMap(known -> scanner.read(known.pid()))
            .filter(found -> found.stat().startTicks() == entry.get().startTicks());
    if (process.isEmpty()) {
      return Errno.ESRCH;
    }
    int caller = request.getCredentials().getUid();
    // kill(2): root, or the sender's uid is the target's real or saved uid.
    if (caller != 0 && caller != process.get().realUid() && caller != process.get().savedUid()) {
      return Errno.EPERM;
    }
    long pid = process.get().stat().pid();
    if (request.getGroup()) {
      if (process.get().stat().pgrp() != pid) {
        return Errno.ESRCH;
      }
      return Signals.signalGroup(pid, request.getSignal());
    }
    return Signals.signalProcess(pid, request.getSignal());
  }

  /**
   * Waits for the end of a program started here, for its owner or root: answers at once if it ended
   * detached and unreaped (and reaps it), else when it ends. The first answer after a detached end
   * reaps it; later waits find no such process, as waitpid(2) after a reap.
   */
  @Override
  public void awaitEnd(WaitRequest request, StreamObserver<WaitReply> responses) {
    Optional<ProcessTable.Entry> entry;
    synchronized (table) {
      entry = table.get(request.getCpid()).filter(known -> !known.adopted());
    }
    if (entry.isEmpty()) {
      responses.onError(
          Status.NOT_FOUND
              .withDescription(
                  "no program "
                      + request.getCpid()
                      + " started through Onefold runs on node "
                      + node
                      + " or waits to be reaped")
              .asRuntimeException());
      return;
    }
    int caller = request.getCredentials().getUid();
    if (!request.hasCredentials() || (caller != 0 && caller != entry.get().uid())) {
      responses.onError(
          Status.PERMISSION_DENIED
              .withDescription("cpid " + request.getCpid() + " is not yours to wait for")
              .asRuntimeException());
      return;
    }
    int cpid = entry.get().cpid();
    endings
        .of(cpid)
        .thenAccept(
            ending -> {
              synchronized (table) {
                table.reap(cpid);
              }
              endings.forget(cpid);
              try {
                responses.onNext(
                    WaitReply.newBuilder()
                        .setExited(
                            Exited.newBuilder()
                                .setStatus(ending.status())
                                .setSignal(ending.signal()))
                        .build());
                responses.onCompleted();
              } catch (RuntimeException e) {
                // The waiter went away.
              }
            });
  }

  @Override
  public StreamObserver<RunInput> run(StreamObserver<RunEvent> responses) {
    ServerCallStreamObserver<RunEvent> call = (ServerCallStreamObserver<RunEvent>) responses;
    Integer caller = NodeCertificateInterceptor.CALLER_NODE.get();
    call.disableAutoRequest();
    RunningProgram run =
        new RunningProgram(
            call,
            caller == null ? 0 : caller,
            node,
            launcher,
            clock,
            scanner,
            table,
            endings,
            cgroups);
    call.setOnCancelHandler(run::callerGone);
    call.request(1);
    return run;
  }
}
