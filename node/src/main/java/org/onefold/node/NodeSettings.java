package org.onefold.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Everything ssid can be told, with where it came from resolved: defaults, then the config file,
 * then the environment (SSID_ plus the name in capitals, dashes as underscores), then the command
 * line. One name per setting everywhere: the flag {@code --down-after}, the config line {@code
 * down-after = 500ms} and the variable {@code SSID_DOWN_AFTER} are the same setting.
 *
 * <p>A bad value is a {@link SettingsException} naming the setting, the value and where it came
 * from.
 */
public record NodeSettings(
    Path stateDirectory,
    String address,
    int rpcPort,
    int raftPort,
    Optional<String> join,
    Optional<String> token,
    Path socket,
    Path logFile,
    int votersMax,
    Duration heartbeatInterval,
    Duration downAfter,
    Duration replaceVoterAfter,
    Duration electionTimeoutMin,
    Duration electionTimeoutMax,
    Duration tokenTtl,
    Optional<Path> mount,
    List<Path> sharedPaths) {

  public static final int DEFAULT_RPC_PORT = 7701;
  public static final int DEFAULT_RAFT_PORT = 7702;

  /** Every setting's name and default ("" where the default depends on the state directory). */
  static final Map<String, String> DEFAULTS = defaults();

  private static Map<String, String> defaults() {
    Map<String, String> defaults = new LinkedHashMap<>();
    defaults.put("dir", "/var/lib/onefold");
    defaults.put("address", "127.0.0.1");
    defaults.put("rpc-port", Integer.toString(DEFAULT_RPC_PORT));
    defaults.put("raft-port", Integer.toString(DEFAULT_RAFT_PORT));
    defaults.put("join", "");
    defaults.put("token", "");
    defaults.put("socket", "");
    defaults.put("log-file", "");
    defaults.put("voters-max", "5");
    defaults.put("heartbeat-interval", "100ms");
    defaults.put("down-after", "500ms");
    defaults.put("replace-voter-after", "10s");
    defaults.put("election-timeout-min", "150ms");
    defaults.put("election-timeout-max", "300ms");
    defaults.put("token-ttl", "24h");
    defaults.put("mount", "");
    defaults.put("shared-paths", "/tmp,/home,/srv");
    return Map.copyOf(defaults);
  }

  /** A setting that cannot be used; the message names it, its value and its source. */
  public static final class SettingsException extends Exception {
    public SettingsException(String message) {
      super(message);
    }
  }

  /**
   * Resolves the settings from the command line's values, the environment and the config file (the
   * one named by the flag {@code config}, else {@code ssid.conf} in the state directory if it
   * exists).
   */
  public static NodeSettings resolve(Map<String, String> flags, Map<String, String> environment)
      throws SettingsException {
    Map<String, String> values = new HashMap<>(DEFAULTS);
    Map<String, String> sources = new HashMap<>();
    DEFAULTS.keySet().forEach(name -> sources.put(name, "default"));
    Map<String, String> fromEnvironment = fromEnvironment(environment);

    // The state directory decides where the default config file is, so find it first.
    String directory =
        flags.getOrDefault("dir", fromEnvironment.getOrDefault("dir", DEFAULTS.get("dir")));
    Optional<Path> configFile =
        Optional.ofNullable(flags.getOrDefault("config", environment.get("SSID_CONFIG")))
            .map(Path::of);
    if (configFile.isEmpty() && Files.isRegularFile(Path.of(directory, "ssid.conf"))) {
      configFile = Optional.of(Path.of(directory, "ssid.conf"));
    }
    if (configFile.isPresent()) {
      layer(values, sources, readConfigFile(configFile.get()), configFile.get().toString());
    }
    layer(values, sources, fromEnvironment, "environment");
    Map<String, String> flagValues = new HashMap<>(flags);
    flagValues.remove("config");
    layer(values, sources, flagValues, "command line");
    return parse(values, sources);
  }

  private static void layer(
      Map<String, String> values,
      Map<String, String> sources,
      Map<String, String> layer,
      String source)
      throws SettingsException {
    for (var entry : layer.entrySet()) {
      if (!DEFAULTS.containsKey(entry.getKey())) {
        throw new SettingsException(
            "unknown setting '"
                + entry.getKey()
                + "' in "
                + source
                + "; known: "
                + String.join(", ", DEFAULTS.keySet().stream().sorted().toList()));
      }
      values.put(entry.getKey(), entry.getValue());
      sources.put(entry.getKey(), source);
    }
  }

  private static Map<String, String> fromEnvironment(Map<String, String> environment) {
    Map<String, String> found = new HashMap<>();
    for (String name : DEFAULTS.keySet()) {
      String variable = "SSID_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
      String value = environment.get(variable);
      if (value != null) {
        found.put(name, value);
      }
    }
    return found;
  }

  /** Reads {@code name = value} lines; blank lines and lines starting with # are skipped. */
  static Map<String, String> readConfigFile(Path file) throws SettingsException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      throw new SettingsException("cannot read config file " + file + ": " + e.getMessage());
    }
    Map<String, String> values = new HashMap<>();
    for (int number = 1; number <= lines.size(); number++) {
      String line = lines.get(number - 1).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int equals = line.indexOf('=');
      if (equals <= 0) {
        throw new SettingsException(
            "malformed config file "
                + file
                + " line "
                + number
                + ": expected 'name = value', got '"
                + line
                + "'");
      }
      values.put(line.substring(0, equals).strip(), line.substring(equals + 1).strip());
    }
    return values;
  }

  private static NodeSettings parse(Map<String, String> values, Map<String, String> sources)
      throws SettingsException {
    Parser parser = new Parser(values, sources);
    Path directory = Path.of(parser.text("dir")).toAbsolutePath().normalize();
    Duration electionMin = parser.duration("election-timeout-min");
    Duration electionMax = parser.duration("election-timeout-max");
    if (electionMax.compareTo(electionMin) <= 0) {
      throw new SettingsException(
          "election-timeout-max "
              + electionMax.toMillis()
              + "ms must exceed election-timeout-min "
              + electionMin.toMillis()
              + "ms");
    }
    Duration heartbeat = parser.duration("heartbeat-interval");
    Duration downAfter = parser.duration("down-after");
    if (downAfter.compareTo(heartbeat.multipliedBy(2)) < 0) {
      throw new SettingsException(
          "down-after "
              + downAfter.toMillis()
              + "ms must be at least twice heartbeat-interval ("
              + heartbeat.toMillis()
              + "ms), or one lost heartbeat declares a node down");
    }
    String socket = parser.text("socket");
    String logFile = parser.text("log-file");
    return new NodeSettings(
        directory,
        parser.address("address"),
        parser.port("rpc-port"),
        parser.port("raft-port"),
        parser.optional("join"),
        parser.optional("token"),
        socket.isEmpty() ? directory.resolve("ssid.sock") : Path.of(socket).toAbsolutePath(),
        logFile.isEmpty() ? directory.resolve("ssid.log") : Path.of(logFile).toAbsolutePath(),
        parser.integer("voters-max", 1, 9),
        heartbeat,
        downAfter,
        parser.duration("replace-voter-after"),
        electionMin,
        electionMax,
        parser.duration("token-ttl"),
        parser.optional("mount").map(path -> Path.of(path).toAbsolutePath()),
        parser.sharedPaths("shared-paths"));
  }

  private record Parser(Map<String, String> values, Map<String, String> sources) {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private static final Pattern IPV4 =
        Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    String text(String name) {
      return values.get(name);
    }

    Optional<String> optional(String name) {
      String value = values.get(name);
      return value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    /**
     * Absolute paths, comma-separated, or "none": the directories the cluster view binds from
     * /cluster. Not /, nothing in or around /cluster, nothing that holds /run/onefold (where the
     * view shows the node's socket), nothing of /proc, /sys or /dev; no repeats.
     */
    List<Path> sharedPaths(String name) throws SettingsException {
      String value = values.get(name).strip();
      if (value.equals("none")) {
        return List.of();
      }
      List<Path> paths = new java.util.ArrayList<>();
      for (String part : value.split(",", -1)) {
        Path path = Path.of(part.strip());
        if (!path.isAbsolute()
            || path.getNameCount() == 0
            || !path.normalize().equals(path)
            || path.startsWith("/cluster")
            || Path.of("/cluster").startsWith(path)
            || Path.of("/run/onefold").startsWith(path)
            || path.startsWith("/proc")
            || path.startsWith("/sys")
            || path.startsWith("/dev")
            || paths.contains(path)) {
          throw bad(
              name,
              "absolute directories other than /, /cluster, /run/onefold and what holds them,"
                  + " /proc, /sys and /dev, without . or .. and each once, separated by commas, or"
                  + " none");
        }
        paths.add(path);
      }
      return List.copyOf(paths);
    }

    SettingsException bad(String name, String expected) {
      return new SettingsException(
          "bad "
              + name
              + " '"
              + values.get(name)
              + "' (from "
              + sources.get(name)
              + "): expected "
              + expected);
    }

    int integer(String name, int min, int max) throws SettingsException {
      try {
        int value = Integer.parseInt(values.get(name));
        if (value < min || value > max) {
          throw bad(name, "a whole number from " + min + " to " + max);
        }
        return value;
      } catch (NumberFormatException e) {
        throw bad(name, "a whole number from " + min + " to " + max);
      }
    }

    int port(String name) throws SettingsException {
      return integer(name, 1, 65535);
    }

    Duration duration(String name) throws SettingsException {
      Matcher matcher = DURATION.matcher(values.get(name));
      if (!matcher.matches()) {
        throw bad(name, "a duration such as 250ms, 10s, 5m, 24h or 7d");
      }
      long amount = Long.parseLong(matcher.group(1));
      Duration duration =
          switch (matcher.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
          };
      if (duration.isZero()) {
        throw bad(name, "a duration above zero");
      }
      return duration;
    }

    String address(String name) throws SettingsException {
      Matcher matcher = IPV4.matcher(values.get(name));
      if (!matcher.matches()) {
        throw bad(name, "an IPv4 address such as 198.18.0.2");
      }
      for (int group = 1; group <= 4; group++) {
        if (Integer.parseInt(matcher.group(group)) > 255) {
          throw bad(name, "an IPv4 address such as 198.18.0.2");
        }
      }
      if (values.get(name).equals("0.0.0.0")) {
        throw bad(name, "the address other nodes reach this one at, not 0.0.0.0");
      }
      return values.get(name);
    }
  }
}
