package org.onefold.node;

import java.io.FileOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ssid}, the node daemon's command line. It resolves the settings (flags, environment,
 * config file), points the log at the node's log file, starts the node, and stops it cleanly on
 * SIGTERM or SIGINT. A failure to start is one line on stderr and exit status 1; bad usage is exit
 * status 2. It never restarts itself.
 */
@Command(
    name = "ssid",
    mixinStandardHelpOptions = true,
    version = "ssid 0.1.0",
    description =
        "The Onefold node daemon. Without --join it bootstraps a new cluster; with --join and"
            + " --token it joins one; on a state directory that is set up already it restarts that"
            + " node.",
    sortOptions = false)
public final class Ssid implements java.util.concurrent.Callable<Integer> {
  @Option(
      names = "--dir",
      paramLabel = "DIR",
      description = "State directory (default /var/lib/onefold).")
  String dir;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Config file (default DIR/ssid.conf if present).")
  String config;

  @Option(
      names = "--address",
      paramLabel = "IP",
      description = "IPv4 address other nodes reach this one at" + " (default 127.0.0.1).")
  String address;

  @Option(
      names = "--rpc-port",
      paramLabel = "PORT",
      description = "Node RPC port: joins, heartbeats (default 7701).")
  String rpcPort;

  @Option(
      names = "--raft-port",
      paramLabel = "PORT",
      description = "Raft port of the meta group (default 7702).")
  String raftPort;

  @Option(
      names = "--join",
      paramLabel = "ADDRESS[:PORT]",
      description = "A member to join through.")
  String join;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      description = "Join token ('ssi token create' on a member).")
  String token;

  @Option(
      names = "--socket",
      paramLabel = "PATH",
      description = "Local API socket (default DIR/ssid.sock).")
  String socket;

  @Option(
      names = "--log-file",
      paramLabel = "FILE",
      description = "Log file (default DIR/ssid.log).")
  String logFile;

  @Option(
      names = "--voters-max",
      paramLabel = "N",
      description = "Voters of the meta group, 1..9 (default 5).")
  String votersMax;

  @Option(names = "--heartbeat-interval", paramLabel = "DURATION", description = "Default 100ms.")
  String heartbeatInterval;

  @Option(
      names = "--down-after",
      paramLabel = "DURATION",
      description = "Silence that declares a node down" + " (default 500ms).")
  String downAfter;

  @Option(
      names = "--replace-voter-after",
      paramLabel = "DURATION",
      description =
          "How long a voter may be down" + " before a live non-voter replaces it (default 10s).")
  String replaceVoterAfter;

  @Option(names = "--election-timeout-min", paramLabel = "DURATION", description = "Default 150ms.")
  String electionTimeoutMin;

  @Option(names = "--election-timeout-max", paramLabel = "DURATION", description = "Default 300ms.")
  String electionTimeoutMax;

  @Option(
      names = "--token-ttl",
      paramLabel = "DURATION",
      description = "Lifetime of join tokens (default 24h).")
  String tokenTtl;

  @Option(
      names = "--mount",
      paramLabel = "PATH",
      description =
          "Where this node mounts the cluster filesystem (none by default; needs root and"
              + " /dev/fuse).")
  String mount;

  @Option(
      names = "--shared-paths",
      paramLabel = "PATHS",
      description =
          "The directories that programs started through Onefold see from the cluster"
              + " filesystem: each is a bind of the same path under /cluster in the cluster view"
              + " (comma-separated, or none; default /tmp,/home,/srv; needs --mount).")
  String sharedPaths;

  public static void main(String[] args) {
    CommandLine commandLine = new CommandLine(new Ssid());
    commandLine.setParameterExceptionHandler(
        (exception, ignored) -> {
          System.err.println("ssid: " + exception.getMessage() + " (see ssid --help)");
          return 2;
        });
    System.exit(commandLine.execute(args));
  }

  @Override
  public Integer call() {
    NodeSettings settings;
    try {
      settings = NodeSettings.resolve(flags(), System.getenv());
    } catch (NodeSettings.SettingsException e) {
      System.err.println("ssid: " + e.getMessage());
      return 2;
    }
    PrintStream terminal = System.err;
    configureLogging(settings);
    NodeDaemon daemon;
    try {
      daemon = NodeDaemon.start(settings, InstantSource.system());
    } catch (NodeDaemon.StartException e) {
      org.slf4j.LoggerFactory.getLogger(Ssid.class).error("start failed: {}", e.getMessage(), e);
      terminal.println("ssid: " + e.getMessage().lines().findFirst().orElse("start failed"));
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicReference<NodeDaemon> running = new AtomicReference<>(daemon);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  running.get().close();
                  stopped.countDown();
                },
                "ssid-stop"));
    PrintWriter out = new PrintWriter(System.out, true);
    out.println(
        "ssid: node "
            + daemon.node()
            + " up (incarnation "
            + daemon.incarnation()
            + "); socket "
            + settings.socket());
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private Map<String, String> flags() {
    Map<String, String> flags = new HashMap<>();
    put(flags, "dir", dir);
    put(flags, "config", config);
    put(flags, "address", address);
    put(flags, "rpc-port", rpcPort);
    put(flags, "raft-port", raftPort);
    put(flags, "join", join);
    put(flags, "token", token);
    put(flags, "socket", socket);
    put(flags, "log-file", logFile);
    put(flags, "voters-max", votersMax);
    put(flags, "heartbeat-interval", heartbeatInterval);
    put(flags, "down-after", downAfter);
    put(flags, "replace-voter-after", replaceVoterAfter);
    put(flags, "election-timeout-min", electionTimeoutMin);
    put(flags, "election-timeout-max", electionTimeoutMax);
    put(flags, "token-ttl", tokenTtl);
    put(flags, "mount", mount);
    put(flags, "shared-paths", sharedPaths);
    return flags;
  }

  private static void put(Map<String, String> flags, String name, String value) {
    if (value != null) {
      flags.put(name, value);
    }
  }

  /**
   * Sends the log to the node's log file, appending so that a restart keeps the log of the run
   * before; must run before any logger is made. slf4j-simple truncates a file it opens itself, so
   * the file is opened here and handed to it as stderr.
   */
  private static void configureLogging(NodeSettings settings) {
    try {
      java.nio.file.Files.createDirectories(settings.logFile().getParent());
      System.setErr(
          new PrintStream(
              new FileOutputStream(settings.logFile().toFile(), true),
              true,
              StandardCharsets.UTF_8));
    } catch (java.io.IOException e) {
      // The log stays on stderr; the start itself reports the directory problem.
    }
    setDefault("org.slf4j.simpleLogger.logFile", "System.err");
    setDefault("org.slf4j.simpleLogger.showDateTime", "true");
    setDefault("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
    setDefault("org.slf4j.simpleLogger.defaultLogLevel", "info");
    setDefault("org.slf4j.simpleLogger.log.org.apache.ratis", "warn");
    setDefault("org.slf4j.simpleLogger.log.io.grpc", "warn");
  }

  private static void setDefault(String property, String value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
  }
}
