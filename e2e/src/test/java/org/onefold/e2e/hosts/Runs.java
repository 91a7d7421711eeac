package org.onefold.e2e.hosts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Names, ownership and tear-down of test-host runs.
 *
 * <p>A run is one {@link TestHosts} instance. Its id is 4 hex digits, and every kernel object it
 * makes carries the id in its name, short enough for the 15-character limit on interface names:
 * bridge {@code ofb<id>}, namespaces {@code of<id>h<k>}, veth ends {@code of<id>h<k>} (host side,
 * renamed eth0 once moved) and {@code of<id>p<k>} (bridge side).
 *
 * <p>Before it makes anything, a run claims its id by creating an owner file {@code
 * /run/onefold-e2e/<id>} holding the owner's pid and start time, and it deletes that file last. A
 * run is stale when its owner file is missing or names a process that is gone (a crashed or
 * SIGKILLed test JVM); stale runs are torn down by {@link #cleanupStale}, live runs of other JVMs
 * are left alone.
 */
final class Runs {

  static final Path OWNER_DIRECTORY = Path.of("/run/onefold-e2e");
  private static final Path NETWORK_DEVICES = Path.of("/sys/class/net");
  private static final Pattern RESOURCE_NAME =
      Pattern.compile("of(?:b(?<bridgeRun>[0-9a-f]{4})|(?<hostRun>[0-9a-f]{4})[hp][0-9]{1,2})");
  private static final Pattern RUN_ID = Pattern.compile("[0-9a-f]{4}");
  private static final int CLAIM_ATTEMPTS_MAX = 32;
  private static final Duration PROCESS_EXIT_TIMEOUT = Duration.ofSeconds(5);

  /** Runs owned by this JVM; never stale, whatever the owner files say. */
  private static final Set<String> OWNED_HERE = ConcurrentHashMap.newKeySet();

  private Runs() {}

  static String bridge(String runId) {
    return "ofb" + runId;
  }

  static String namespace(String runId, int hostNumber) {
    return "of" + runId + "h" + hostNumber;
  }

  static String bridgePort(String runId, int hostNumber) {
    return "of" + runId + "p" + hostNumber;
  }

  static String randomId() {
    return HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt(1 << 16));
  }

  /** Picks an unused run id and writes its owner file; atomic against other JVMs. */
  static String claim() {
    ProcessHandle self = ProcessHandle.current();
    String owner =
        self.pid() + " " + self.info().startInstant().map(Instant::toEpochMilli).orElse(0L) + "\n";
    try {
      Files.createDirectories(OWNER_DIRECTORY);
      for (int attempt = 0; attempt < CLAIM_ATTEMPTS_MAX; attempt++) {
        String runId = randomId();
        if (!resourcesOf(runId, linkNames(), namespaceNames()).isEmpty()) {
          continue;
        }
        try {
          Files.writeString(
              OWNER_DIRECTORY.resolve(runId),
              owner,
              StandardCharsets.UTF_8,
              StandardOpenOption.CREATE_NEW);
          OWNED_HERE.add(runId);
          return runId;
        } catch (FileAlreadyExistsException taken) {
          // Another run holds this id; draw again.
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot claim a run id under " + OWNER_DIRECTORY, e);
    }
    throw new IllegalStateException(
        "no free run id after "
            + CLAIM_ATTEMPTS_MAX
            + " attempts; are thousands of test-host runs left over under "
            + OWNER_DIRECTORY
            + "?");
  }

  /**
   * Deletes everything of run {@code runId} that exists: kills the processes in its namespaces,
   * deletes its links, namespaces and bridge, then its owner file. Tries every step; throws the
   * first failure after the last step.
   */
  static void tearDown(String runId) {
    List<RuntimeException> failures = new ArrayList<>();
    List<String> namespaces = resourcesOf(runId, List.of(), namespaceNames());
    namespaces.forEach(namespace -> attempt(failures, () -> killProcessesIn(namespace)));
    // Deleting one veth end deletes its peer at once; a namespace's own end would otherwise
    // go only when the kernel gets round to destroying the namespace.
    for (String link : resourcesOf(runId, linkNames(), List.of())) {
      if (!link.equals(bridge(runId))) {
        attempt(failures, () -> deleteLink(link));
      }
    }
    namespaces.forEach(
        namespace -> attempt(failures, () -> Commands.check(ip("netns", "delete", namespace))));
    attempt(failures, () -> deleteLink(bridge(runId)));
    attempt(
        failures,
        () -> {
          try {
            Files.deleteIfExists(OWNER_DIRECTORY.resolve(runId));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
    OWNED_HERE.remove(runId);
    if (!failures.isEmpty()) {
      RuntimeException first = failures.getFirst();
      failures.stream().skip(1).forEach(first::addSuppressed);
      throw first;
    }
  }

  /** Tears down every run whose owner is gone; see the class comment. */
  static void cleanupStale() {
    List<String> links = linkNames();
    List<String> namespaces = namespaceNames();
    Set<String> runIds = new TreeSet<>();
    Stream.concat(links.stream(), namespaces.stream())
        .map(Runs::runIdOf)
        .flatMap(Optional::stream)
        .forEach(runIds::add);
    ownerFileNames().stream().filter(name -> RUN_ID.matcher(name).matches()).forEach(runIds::add);
    for (String runId : runIds) {
      if (!OWNED_HERE.contains(runId) && !ownerAlive(runId)) {
        tearDown(runId);
      }
    }
  }

  /** Names among {@code links} and {@code namespaces} that belong to run {@code runId}. */
  static List<String> resourcesOf(String runId, List<String> links, List<String> namespaces) {
    return Stream.concat(links.stream(), namespaces.stream())
        .filter(name -> runIdOf(name).filter(runId::equals).isPresent())
        .toList();
  }

  static Optional<String> runIdOf(String resourceName) {
    Matcher matcher = RESOURCE_NAME.matcher(resourceName);
    if (!matcher.matches()) {
      return Optional.empty();
    }
    return Optional.ofNullable(matcher.group("bridgeRun"))
        .or(() -> Optional.of(matcher.group("hostRun")));
  }

  /** Interfaces of the root network namespace, the one this JVM runs in. */
  static List<String> linkNames() {
    try (Stream<Path> devices = Files.list(NETWORK_DEVICES)) {
      return devices.map(device -> device.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + NETWORK_DEVICES, e);
    }
  }

  /** Named network namespaces, as {@code ip netns list} shows them. */
  static List<String> namespaceNames() {
    return Commands.check(ip("netns", "list"))
        .output()
        .lines()
        .map(line -> line.strip().split("\\s+")[0])
        .filter(name -> !name.isEmpty())
        .sorted()
        .toList();
  }

  static List<String> ip(String... arguments) {
    List<String> command = new ArrayList<>();
    command.add(TestHosts.ipExecutable().toString());
    command.addAll(List.of(arguments));
    return command;
  }

  private static void killProcessesIn(String namespace) {
    List<ProcessHandle> processes =
        Commands.check(ip("netns", "pids", namespace))
            .output()
            .lines()
            .map(String::strip)
            .filter(line -> !line.isEmpty())
            .map(Long::parseLong)
            .map(ProcessHandle::of)
            .flatMap(Optional::stream)
            .toList();
    processes.forEach(Commands::destroyTree);
    Commands.awaitExit(processes, PROCESS_EXIT_TIMEOUT, "namespace " + namespace);
  }

  /**
   * Deletes a root-namespace link unless it is already gone (a veth peer goes with its partner).
   */
  private static void deleteLink(String link) {
    if (!Files.exists(NETWORK_DEVICES.resolve(link))) {
      return;
    }
    ProcessResult result = Commands.run(Commands.TIMEOUT_DEFAULT, ip("link", "delete", link));
    if (!result.succeeded() && Files.exists(NETWORK_DEVICES.resolve(link))) {
      throw new CommandFailedException(result.describe());
    }
  }

  /** True if the owner file names a running process; a start time of 0 means "unknown". */
  private static boolean ownerAlive(String runId) {
    List<String> fields;
    try {
      fields = List.of(Files.readString(OWNER_DIRECTORY.resolve(runId)).strip().split(" "));
    } catch (IOException missingOrUnreadable) {
      return false;
    }
    long pid;
    long startMillis;
    try {
      pid = Long.parseLong(fields.getFirst());
      startMillis = Long.parseLong(fields.getLast());
    } catch (NumberFormatException malformed) {
      return false;
    }
    return ProcessHandle.of(pid)
        .filter(ProcessHandle::isAlive)
        .filter(
            process ->
                process
                    .info()
                    .startInstant()
                    .map(start -> startMillis == 0 || start.toEpochMilli() == startMillis)
                    .orElse(true))
        .isPresent();
  }

  private static List<String> ownerFileNames() {
    if (!Files.isDirectory(OWNER_DIRECTORY)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(OWNER_DIRECTORY)) {
      return files.map(file -> file.getFileName().toString()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + OWNER_DIRECTORY, e);
    }
  }

  private static void attempt(List<RuntimeException> failures, Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      failures.add(e);
    }
  }
}
