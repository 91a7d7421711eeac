package org.onefold.cli;

import java.time.Duration;
import java.util.Optional;
import org.onefold.client.OnefoldClient;

/**
 * {@code ssi token create}: a join token, for {@code ssid --join HOST --token TOKEN} on a new
 * machine.
 */
final class TokenCommand implements Command {
  @Override
  public Syntax syntax() {
    return new Syntax("Make join tokens for new nodes.").command("create", Create::new);
  }

  /** {@code ssi token create [--ttl DURATION]}. */
  static final class Create implements Command {
    /** Null for the daemon's default. */
    private Duration ttl;

    @Override
    public Syntax syntax() {
      return new Syntax("Print a new join token (only the daemon's owner and root may make one).")
          .option(
              "--ttl",
              "DURATION",
              "How long the token is good for, such as 30m, 24h or 7d (default: the daemon's,"
                  + " 24h).",
              value -> ttl = Converters.lifetime(value));
    }

    @Override
    public int run(Ssi ssi) {
      try (OnefoldClient client = ssi.client()) {
        ssi.console().out().println(client.createToken(Optional.ofNullable(ttl)).getToken());
      }
      return 0;
    }
  }
}
