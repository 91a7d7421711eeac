package org.onefold.cli;

/**
 * One {@code ssi} command. A command is a plain class: {@link #syntax} declares its options and
 * parameters, each bound to one of its fields by a small lambda; {@link Parser} feeds the command
 * line to them; then {@link #run} does the work with the values set.
 *
 * <p>To add a command: write a class like {@link WhereCommand} and name it in {@link Ssi#syntax}
 * (or in its group's syntax, as {@link RegistryCommand} names its subcommands). Only the command
 * named on the line is constructed.
 */
interface Command {
  /** What this command accepts, bound to this object; called once, before {@link #run}. */
  Syntax syntax();

  /**
   * Runs the command once the parser has set its values; returns the exit status. Throws {@link
   * UsageError} for a value that is wrong in a way the syntax could not say, {@link Failure} or any
   * other exception for an operating failure. A group of subcommands ({@code ssi reg}) never runs:
   * the parser asks for one of its subcommands.
   */
  default int run(Ssi ssi) throws Exception {
    throw new IllegalStateException("a group of commands runs one of its subcommands, not itself");
  }
}
