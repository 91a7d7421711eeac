package org.onefold.node.fs;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.onefold.node.fs.fuse.FuseMount;
import org.onefold.node.fs.fuse.Mountable;

/**
 * The local disk and the CFS side by side, for the POSIX mount tests: a script of system calls runs
 * once in a directory of the local disk (under java.io.tmpdir) and once at the root of a CFS
 * mounted over {@link FsGateway#direct}, and each line must answer on the mount as it answered on
 * the local disk. The local disk's answer is Linux's; a line may also say which answer that is, so
 * that a test reads as the table of what Linux does (the answers written in the tests are ext4's).
 * A test that fails says which: the local disk against the test (the test is wrong) or the CFS
 * against the local disk, with a table of every line's answers.
 *
 * <p>Why a script of Python lines: Java's file API folds errno into a few exception classes and
 * cannot make some calls at all (mknod, renameat2, setxattr with its flags, utimensat with
 * UTIME_OMIT); Python's os module makes one system call per function and keeps errno exact, and the
 * probe (posix-probe.py, in this package's test resources) reaches the rest through ctypes. One
 * line is one call, which makes a failing line easy to run by hand.
 *
 * <p>A line of a script is a Python statement or expression, then, optionally, {@code # answer}:
 * "ok" for a statement, the value of an expression (a string as it is, else Python's repr), or the
 * errno's name. A line without an answer must succeed on the local disk. The two directories start
 * empty, owned by root with mode 0755; the probe runs with umask 022, as root or as nobody ({@link
 * #NOBODY}, by setpriv with no supplementary groups), so that the kernel's permission checks (the
 * mount is default_permissions) are seen from a user without privileges.
 */
final class PosixProbe implements AutoCloseable {
  /** The user and group without privileges: nobody and nogroup. */
  static final int NOBODY = 65534;

  private static final String PYTHON = "/usr/bin/python3";
  private static final long RUN_SECONDS_MAX = 20;
  private static final Pattern ANSWERED = Pattern.compile("^(.*?)\\s+#\\s*(\\S.*)$");

  /** An errno's name, or an exception other than a system call's. */
  private static final Pattern FAILED = Pattern.compile("E[A-Z0-9]+|raised .*");

  private final Path local;
  private final Path mounted;
  private final FuseMount mount;
  private final String probe;

  private PosixProbe(Path local, Path mounted, FuseMount mount, String probe) {
    this.local = local;
    this.mounted = mounted;
    this.mount = mount;
    this.probe = probe;
  }

  /**
   * Makes directory's "local" (on the local disk) and mounts a new, empty CFS at its "mnt"; skips
   * the test where no FUSE mount can be made.
   */
  static PosixProbe start(Path directory) throws IOException {
    Mountable.assumeMountable();
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Files.isExecutable(Path.of(PYTHON)),
        "needs " + PYTHON + " (Debian's python3): the probe's system calls are Python's");
    Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path local =
        Files.createDirectory(
            directory.resolve("local"),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    Path root = Files.createDirectory(directory.resolve("mnt"));
    ChunkStore chunks = new ChunkStore(directory.resolve("chunks"));
    InstantSource clock = InstantSource.system();
    Namespace namespace =
        new Namespace(0755, 0, 0, clock.instant().getEpochSecond() * 1_000_000_000L);
    FuseMount mount =
        FuseMount.mount(
            root,
            new ClusterFilesystem(
                FsGateway.direct(new FsState(namespace, chunks)), clock, chunks.directory()));
    String probe;
    try (InputStream source = PosixProbe.class.getResourceAsStream("posix-probe.py")) {
      if (source == null) {
        mount.close();
        throw new IllegalStateException("posix-probe.py is not among the test resources");
      }
      probe = new String(source.readAllBytes(), StandardCharsets.UTF_8);
    }
    return new PosixProbe(local, root, mount, probe);
  }

  /** Runs script as root on both; each line must answer on the mount as on the local disk. */
  void check(String script) throws IOException {
    checkAs(0, script);
  }

  /** As {@link #check}, with the probe running as user (0 or {@link #NOBODY}). */
  void checkAs(int user, String script) throws IOException {
    List<String> lines = script.lines().filter(line -> !line.isBlank()).toList();
    List<String> calls = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    for (String line : lines) {
      Matcher answered = ANSWERED.matcher(line);
      calls.add(answered.matches() ? answered.group(1) : line.strip());
      expected.add(answered.matches() ? answered.group(2).strip() : null);
    }
    List<String> linux = run(user, local, calls);
    List<String> cfs = run(user, mounted, calls);
    boolean asExpected = true;
    boolean asLinux = true;
    for (int k = 0; k < calls.size(); k++) {
      String wanted = expected.get(k);
      asExpected &=
          wanted == null ? !FAILED.matcher(linux.get(k)).matches() : wanted.equals(linux.get(k));
      asLinux &= linux.get(k).equals(cfs.get(k));
    }
    if (!asExpected) {
      fail(
          "the local disk does not answer as the test says Linux does (the test is wrong):\n"
              + table(calls, expected, linux, cfs));
    }
    if (!asLinux) {
      fail("the CFS answers otherwise than the local disk:\n" + table(calls, expected, linux, cfs));
    }
  }

  /** The answers of calls run by the probe as user in directory, one per call. */
  private List<String> run(int user, Path directory, List<String> calls) throws IOException {
    List<String> command = new ArrayList<>();
    if (user != 0) {
      command.addAll(List.of("setpriv", "--reuid=" + user, "--regid=" + user, "--clear-groups"));
    }
    command.addAll(List.of(PYTHON, "-I", "-S", "-c", probe));
    Process process =
        new ProcessBuilder(command)
            .directory(directory.toFile())
            .redirectError(ProcessBuilder.Redirect.PIPE)
            .start();
    try (OutputStream in = process.getOutputStream()) {
      in.write(String.join("\n", calls).concat("\n").getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String errors = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!process.waitFor(RUN_SECONDS_MAX, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException("the probe ran past " + RUN_SECONDS_MAX + " s in " + directory);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while the probe ran in " + directory, e);
    }
    List<String> answers = out.lines().toList();
    if (process.exitValue() != 0 || answers.size() != calls.size()) {
      throw new IOException(
          "the probe in "
              + directory
              + " answered "
              + answers.size()
              + " of "
              + calls.size()
              + " lines (exit "
              + process.exitValue()
              + "); a line that is not Python, or a failure other than an OSError?\n"
              + errors);
    }
    return answers;
  }

  /** The lines and their answers in columns; "!!" marks a line the CFS answers otherwise. */
  private static String table(
      List<String> calls, List<String> expected, List<String> linux, List<String> cfs) {
    List<String> wanted =
        expected.stream().map(answer -> answer == null ? "(succeeds)" : answer).toList();
    String row =
        "%s %-"
            + width("line", calls)
            + "s  %-"
            + width("test", wanted)
            + "s  %-"
            + width("local", linux)
            + "s  %s%n";
    StringBuilder table =
        new StringBuilder(String.format(row, "  ", "line", "test", "local", "CFS"));
    for (int k = 0; k < calls.size(); k++) {
      String mark = linux.get(k).equals(cfs.get(k)) ? "  " : "!!";
      table.append(String.format(row, mark, calls.get(k), wanted.get(k), linux.get(k), cfs.get(k)));
    }
    return table.toString();
  }

  private static int width(String heading, List<String> column) {
    return Math.max(heading.length(), column.stream().mapToInt(String::length).max().orElse(0));
  }

  @Override
  public void close() throws IOException {
    mount.close();
  }
}
