package org.onefold.node.proc;

import com.pty4j.PtyProcessBuilder;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.onefold.proto.proc.Credentials;
import org.onefold.proto.proc.RunStart;

/**
 * Starts a program as its user, the way a login would leave it: its own session and process group
 * ({@code setsid}), the user's uid, gid and supplementary groups ({@code setpriv}, when the daemon
 * is root), the caller's umask and working directory (entered as the user), and exactly the
 * caller's environment. Each step execs the next, so the program keeps the pid Java saw:
 *
 * <pre>
 *   /bin/sh -c PREPARE onefold-prepare CGROUP_PROCS UMASK
 *     setsid setpriv --reuid U --regid G --groups ... --
 *       env -i -C CWD NAME=VALUE... PROGRAM ARGS...
 * </pre>
 *
 * A program on a terminal, or detached, has one more step as the user before {@code env}: {@code
 * /bin/sh -c SCRIPT} sets the terminal's size or redirects the streams. Each step is an exec, and
 * an exec costs about a millisecond of a loaded node's time, which a quick {@code ssi onnode}
 * notices: hence no shell as the user where {@code env -C} enters the directory as well.
 *
 * <p>Once the node has its cluster view, {@code nsenter --mount=FILE --} goes first: every later
 * step, the program and all it starts see the cluster's /cluster, /tmp, /home and /srv.
 *
 * <p>The steps before the last {@code env} run with a fixed minimal environment: the caller's
 * environment (LD_PRELOAD and the like) must never reach a program that runs as root. A program not
 * found exits 127, one that cannot be executed 126, as in a shell (env(1) says so on stderr).
 *
 * <p>A caller who is the daemon's own user, with its groups (root, on a root daemon), crosses no
 * privilege boundary: its program runs with its environment from the first step, which enters the
 * directory too, and no {@code setpriv} or {@code env}; {@code setsid} then says what it could not
 * execute, with the same statuses.
 *
 * <pre>
 *   /bin/sh -c OWN onefold-prepare CGROUP_PROCS UMASK CWD setsid PROGRAM ARGS...
 * </pre>
 */
final class ProgramLauncher {
  /** Variables that describe the calling machine or session, not the program's. */
  static final Set<String> NOT_TRAVELLING =
      Set.of(
          "SSI_SOCKET",
          "SSI_NODE",
          "SSH_AUTH_SOCK",
          "SSH_AGENT_PID",
          "SSH_CLIENT",
          "SSH_CONNECTION",
          "SSH_TTY",
          "DISPLAY",
          "XAUTHORITY",
          "DBUS_SESSION_BUS_ADDRESS",
          "XDG_RUNTIME_DIR",
          "XDG_SESSION_ID",
          "WINDOWID",
          "OLDPWD",
          "PWD",
          "SHLVL",
          "_");

  /**
   * Run first, as the daemon: moves the process into the program's cgroup when it has one (its
   * cgroup.procs file, else an empty argument), so that the program and all it forks are in it from
   * the start; and sets the umask, which every later step and the program inherit.
   */
  private static final String PREPARE =
      "if [ -n \"$1\" ]; then echo $$ >\"$1\" || exit 1; fi; umask \"$2\" && shift 2 && exec"
          + " \"$@\"";

  /** As PREPARE, for the daemon's own user: it also enters the directory ("$3"). */
  private static final String OWN =
      "if [ -n \"$1\" ]; then echo $$ >\"$1\" || exit 1; fi; umask \"$2\" && cd -- \"$3\" || exit"
          + " 1; shift 3; exec \"$@\"";

  /**
   * As the user, on a terminal or detached: enters the directory and execs the rest. On a terminal
   * (rows above 0) it first gives the terminal the caller's size: a size set from outside after the
   * start may come after the program has read it. A detached program (OUTPUT not empty) gets
   * /dev/null as stdin and OUTPUT, opened as the user after the cd, as stdout and stderr.
   */
  private static final String SCRIPT =
      "[ \"$1\" -gt 0 ] && stty rows \"$1\" columns \"$2\" 2>/dev/null; "
          + "cd -- \"$3\" || exit 1; "
          + "if [ -n \"$4\" ]; then exec </dev/null >>\"$4\" 2>&1 || exit 1; fi; "
          + "shift 4; exec \"$@\"";

  /** Where a detached program's output goes when the caller names no file. */
  static final String DETACHED_OUTPUT = "/dev/null";

  private static final String NSENTER = "/usr/bin/nsenter";
  private static final String SETSID = "/usr/bin/setsid";
  private static final String SETPRIV = "/usr/bin/setpriv";
  private static final String ENV = "/usr/bin/env";
  private static final String SHELL = "/bin/sh";
  private static final Map<String, String> WRAPPER_ENVIRONMENT =
      Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL", "C");

  private final Identity daemon;
  private final int node;
  private final Path socket;

  /** Set once, when the node's cluster view is made; read by gRPC's threads at each start. */
  private volatile Optional<View> view = Optional.empty();

  /**
   * Done once the node knows whether programs run in a view: at once on a node that mounts no
   * filesystem, else when the view is made (or could not be). A start waits for it, so that no
   * program of a node with a view starts outside it.
   */
  private volatile CompletableFuture<Void> viewSettled = CompletableFuture.completedFuture(null);

  /** The longest a start waits for the node's view to be settled. */
  private static final long VIEW_WAIT_SECONDS_MAX = 60;

  /**
   * A mount namespace the programs start in, kept at namespaceFile, in which this node's socket is
   * at socket.
   */
  record View(Path namespaceFile, Path socket) {}

  /** Who a process is, as the kernel sees it: uid, gid, supplementary groups. */
  record Identity(int uid, int gid, Set<Integer> groups) {
    Identity {
      groups = Set.copyOf(groups);
    }

    /** This process's ids and supplementary groups, as the JDK reads them from the kernel. */
    static Identity ofThisProcess() {
      var system = new com.sun.security.auth.module.UnixSystem();
      Set<Integer> groups = new HashSet<>();
      for (long group : system.getGroups()) {
        groups.add((int) group);
      }
      return new Identity((int) system.getUid(), (int) system.getGid(), groups);
    }

    boolean is(Credentials who) {
      return who.getUid() == uid
          && who.getGid() == gid
          && Set.copyOf(who.getGroupsList()).equals(groups);
    }
  }

  /** A command line and the environment its first step starts with. */
  record Launch(List<String> command, Map<String, String> environment) {}

  /**
   * @param daemon who this daemon runs as: root may start programs as anyone, another user only as
   *     itself
   * @param node this node's number, given to programs as SSI_NODE
   * @param socket this node's local API socket, given to programs as SSI_SOCKET so that an ssi they
   *     run asks the node they run on
   */
  ProgramLauncher(Identity daemon, int node, Path socket) {
    this.daemon = daemon;
    this.node = node;
    this.socket = socket;
  }

  /**
   * From now on, programs start in view: the first step enters it ({@code nsenter --mount=FILE}),
   * and SSI_SOCKET names the node's socket as the view shows it.
   */
  void enterView(View programView) {
    view = Optional.of(programView);
    viewSettled.complete(null);
  }

  /** Starts wait for {@link #enterView} or {@link #noView} from now on. */
  void expectView() {
    viewSettled = new CompletableFuture<>();
  }

  /** Programs start in the node's own namespace: no view could be made. */
  void noView() {
    viewSettled.complete(null);
  }

  /** Waits for the node's view to be settled; a one-line reason if it takes too long. */
  private void awaitViewSettled() throws IOException {
    try {
      viewSettled.get(VIEW_WAIT_SECONDS_MAX, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IOException(
          "node "
              + node
              + "'s cluster view is not ready after "
              + VIEW_WAIT_SECONDS_MAX
              + " s (its filesystem has no quorum?)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for node " + node + "'s cluster view");
    } catch (ExecutionException e) {
      throw new IOException(e.getCause());
    }
  }

  /** Checks the tools this needs are there; a one-line reason if not. */
  static void checkTools() throws IOException {
    for (String tool : List.of(SETSID, SETPRIV, ENV, SHELL)) {
      if (!Files.isExecutable(Path.of(tool))) {
        throw new IOException(
            tool + " is missing; install util-linux and coreutils (apt-get install util-linux)");
      }
    }
  }

  /** Why this daemon may not start programs as who, or empty if it may. */
  String refusal(Credentials who) {
    if (daemon.uid() == 0 || who.getUid() == daemon.uid()) {
      return "";
    }
    return "this node's daemon runs as uid "
        + daemon.uid()
        + ", not root: it starts programs only for uid "
        + daemon.uid()
        + ", not for uid "
        + who.getUid();
  }

  /**
   * The command line for start, run as who, and the environment its first step starts with; with a
   * cgroup, the first step moves the process into it (its cgroup.procs file).
   */
  Launch commandLine(RunStart start, Credentials who, Optional<Path> cgroupProcs) {
    if (start.getArgvCount() == 0) {
      throw new IllegalArgumentException("no program to run");
    }
    String procs = cgroupProcs.map(Path::toString).orElse("");
    String umask = String.format("%04o", start.getUmask() & 0777);
    String directory = start.getCwd().isEmpty() ? "/" : start.getCwd();
    Optional<View> inView = view;
    Map<String, String> environment = programEnvironment(start, directory, inView);
    List<String> line = new ArrayList<>();
    inView.ifPresent(
        entered -> line.addAll(List.of(NSENTER, "--mount=" + entered.namespaceFile(), "--")));
    if (daemon.is(who) && !start.getTty() && !start.getDetach()) {
      line.addAll(List.of(SHELL, "-c", OWN, "onefold-prepare", procs, umask, directory, SETSID));
      line.addAll(start.getArgvList());
      return new Launch(line, environment);
    }
    line.addAll(List.of(SHELL, "-c", PREPARE, "onefold-prepare", procs, umask));
    if (!start.getTty()) {
      // On a terminal, the terminal's session is made by pty4j, with the terminal as the
      // session's controlling terminal; setsid would fork out of it.
      line.add(SETSID);
    }
    if (daemon.uid() == 0) {
      line.addAll(
          List.of(
              SETPRIV,
              "--reuid=" + who.getUid(),
              "--regid=" + who.getGid(),
              groupsOption(who),
              "--inh-caps=-all",
              "--"));
    }
    if (start.getTty() || start.getDetach()) {
      line.addAll(
          List.of(
              SHELL,
              "-c",
              SCRIPT,
              "onefold-run",
              Integer.toString(start.getTty() ? Math.max(0, start.getWindow().getRows()) : 0),
              Integer.toString(start.getTty() ? Math.max(0, start.getWindow().getColumns()) : 0),
              directory,
              outputOf(start)));
      line.addAll(List.of(ENV, "-i"));
    } else {
      // env enters the directory as the user; one it may not enter fails the start (status 125,
      // env(1) says why on stderr).
      line.addAll(List.of(ENV, "-i", "-C", directory));
    }
    environment.forEach((name, value) -> line.add(name + "=" + value));
    line.addAll(start.getArgvList());
    return new Launch(line, WRAPPER_ENVIRONMENT);
  }

  /**
   * The program's environment: the caller's, minus what must not travel and names no exec could
   * pass, plus PWD, this node's number as SSI_NODE and its SSI_SOCKET (as inView shows it); in name
   * order.
   */
  private Map<String, String> programEnvironment(
      RunStart start, String directory, Optional<View> inView) {
    Map<String, String> environment = new TreeMap<>();
    start
        .getEnvMap()
        .forEach(
            (name, value) -> {
              if (!NOT_TRAVELLING.contains(name)
                  && !name.isEmpty()
                  && !name.contains("=")
                  && name.indexOf('\0') < 0
                  && value.indexOf('\0') < 0) {
                environment.put(name, value);
              }
            });
    environment.put("PWD", directory);
    environment.put("SSI_NODE", Integer.toString(node));
    environment.put("SSI_SOCKET", inView.map(View::socket).orElse(socket).toString());
    return environment;
  }

  /** The file a detached program writes to; empty for a program whose caller takes its output. */
  private static String outputOf(RunStart start) {
    if (!start.getDetach()) {
      return "";
    }
    return start.getOutput().isEmpty() ? DETACHED_OUTPUT : start.getOutput();
  }

  private static String groupsOption(Credentials who) {
    if (who.getGroupsCount() == 0) {
      return "--clear-groups";
    }
    return "--groups="
        + who.getGroupsList().stream().map(String::valueOf).collect(Collectors.joining(","));
  }

  /**
   * Starts start's program as who: with pipes for its three streams, or, with tty, on a new
   * pseudo-terminal of this node whose master is the process's input and output.
   */
  Process launch(RunStart start, Credentials who, Optional<Path> cgroupProcs) throws IOException {
    awaitViewSettled();
    if (start.getTty() && !start.getDetach()) {
      Launch launch = commandLine(start, who, cgroupProcs);
      PtyProcessBuilder terminal =
          new PtyProcessBuilder(launch.command().toArray(String[]::new))
              .setEnvironment(launch.environment())
              .setDirectory("/")
              .setRedirectErrorStream(true)
              .setConsole(false);
      if (start.hasWindow() && start.getWindow().getColumns() > 0) {
        terminal
            .setInitialColumns(start.getWindow().getColumns())
            .setInitialRows(start.getWindow().getRows());
      }
      return terminal.start();
    }
    Launch launch = commandLine(start, who, cgroupProcs);
    ProcessBuilder builder = new ProcessBuilder(launch.command());
    builder.environment().clear();
    builder.environment().putAll(launch.environment());
    builder.directory(Path.of("/").toFile());
    if (start.getDetach()) {
      // No one reads a detached program's pipes: what the wrapper says before its redirection
      // (a directory it cannot enter) is dropped; the program's end says it failed.
      builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
      builder.redirectError(ProcessBuilder.Redirect.DISCARD);
    }
    return builder.start();
  }
}
