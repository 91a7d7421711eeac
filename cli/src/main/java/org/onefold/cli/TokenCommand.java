package org.onefold.cli;

import java.time.Duration;
import java.util.Optional;
import org.onefold.client.OnefoldClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code ssi token create}: a join token, for {@code ssid --join HOST --token TOKEN} on a new
 * machine.
 */
@Command(
    name = "token",
    mixinStandardHelpOptions = true,
    description = "Make join tokens for new nodes.",
    subcommands = TokenCommand.Create.class)
final class TokenCommand implements Runnable {
  @ParentCommand Ssi ssi;

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing a command: create");
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Print a new join token (only the daemon's owner and root may make one).")
  static final class Create implements Runnable {
    @ParentCommand TokenCommand token;

    @Option(
        names = "--ttl",
        paramLabel = "DURATION",
        converter = Converters.Lifetime.class,
        description =
            "How long the token is good for, such as 30m, 24h or 7d (default: the daemon's, 24h).")
    Duration ttl;

    @Override
    public void run() {
      try (OnefoldClient client = token.ssi.client()) {
        token.ssi.console().out().println(client.createToken(Optional.ofNullable(ttl)).getToken());
      }
    }
  }
}
