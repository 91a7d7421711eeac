package org.onefold.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What one command accepts: its description, its options, its parameters (the positional arguments)
 * or its subcommands, and two rules some commands need. A command builds its syntax in plain code,
 * each option and parameter bound to the command's fields by a lambda; {@link Parser} reads a
 * command line against it and {@link Help} prints it.
 *
 * <p>Built this way, and not from annotations by reflection, so that {@code ssi} starts in
 * milliseconds: nothing is scanned, and only the command named on the line is constructed (the
 * subcommands are suppliers).
 *
 * <p>Every command also takes {@code -h, --help} and {@code -V, --version}; the parser handles
 * those itself.
 */
final class Syntax {
  /** The most values a parameter may take: it takes the rest of the line. */
  static final int REST = Integer.MAX_VALUE;

  /**
   * An option. A flag has an empty label and is given "" on the line's behalf; an option with a
   * label takes a value ({@code --dir D}, {@code --dir=D}, or {@code -sKILL} for a short one).
   *
   * @param names its names, short first ({@code -a}, {@code --all})
   * @param inherited whether the subcommands take it too (as {@code --socket})
   * @param set receives the value; throws {@link UsageError} for a bad one
   */
  record Option(
      List<String> names,
      String label,
      String description,
      boolean inherited,
      Consumer<String> set) {
    boolean takesValue() {
      return !label.isEmpty();
    }

    /** The name used in messages: the last, the long one if it has two. */
    String name() {
      return names.getLast();
    }
  }

  /**
   * A parameter: the next {@code countMin} to {@code countMax} positional arguments.
   *
   * @param set receives each value in turn; throws {@link UsageError} for a bad one
   */
  record Parameter(
      String label, int countMin, int countMax, String description, Consumer<String> set) {}

  private final String summary;
  private final List<String> paragraphs;
  private final List<Option> options = new ArrayList<>();
  private final List<Parameter> parameters = new ArrayList<>();
  private final Map<String, Supplier<Command>> commands = new LinkedHashMap<>();
  private final List<String> footer = new ArrayList<>();
  private boolean stopOptionsAtFirstParameter;
  private boolean dashWordsAreParameters;

  /**
   * @param summary one sentence; the first line of the help, and the command's line in its parent's
   *     list of commands
   * @param paragraphs more help, each wrapped on its own
   */
  Syntax(String summary, String... paragraphs) {
    this.summary = summary;
    this.paragraphs = List.of(paragraphs);
  }

  /** A flag such as {@code "-a, --all"} (names separated by ", ", short first). */
  Syntax flag(String names, String description, Runnable set) {
    options.add(new Option(split(names), "", description, false, value -> set.run()));
    return this;
  }

  /** An option with a value, labelled {@code label} in the help. */
  Syntax option(String names, String label, String description, Consumer<String> set) {
    options.add(new Option(split(names), label, description, false, set));
    return this;
  }

  /** An option with a value that every subcommand takes too, before or after its name. */
  Syntax inheritedOption(String names, String label, String description, Consumer<String> set) {
    options.add(new Option(split(names), label, description, true, set));
    return this;
  }

  /** A parameter that must be given once. */
  Syntax parameter(String label, String description, Consumer<String> set) {
    return parameter(new Parameter(label, 1, 1, description, set));
  }

  /** A last parameter that may be left out. */
  Syntax optionalParameter(String label, String description, Consumer<String> set) {
    return parameter(new Parameter(label, 0, 1, description, set));
  }

  /** A last parameter that takes one or more values: the rest of the line. */
  Syntax restParameter(String label, String description, Consumer<String> set) {
    return parameter(new Parameter(label, 1, REST, description, set));
  }

  private Syntax parameter(Parameter parameter) {
    if (!commands.isEmpty()) {
      throw new IllegalStateException(
          "a group of commands takes no parameter " + parameter.label());
    }
    if (!parameters.isEmpty()
        && parameters.getLast().countMin() != parameters.getLast().countMax()) {
      throw new IllegalStateException(
          "parameter " + parameter.label() + " follows one of variable count");
    }
    parameters.add(parameter);
    return this;
  }

  /** A subcommand; supplier makes it only if the line names it (or for the help). */
  Syntax command(String name, Supplier<Command> supplier) {
    if (!parameters.isEmpty()) {
      throw new IllegalStateException("a command with parameters has no subcommand " + name);
    }
    commands.put(name, supplier);
    return this;
  }

  /** Lines printed after everything else in the help. */
  Syntax footer(String... lines) {
    footer.addAll(List.of(lines));
    return this;
  }

  /**
   * From the first parameter on, every word is a parameter, options included: the command runs a
   * program and the rest of the line is that program's ({@code ssi onnode 2 ls -l}).
   */
  Syntax stopOptionsAtFirstParameter() {
    stopOptionsAtFirstParameter = true;
    return this;
  }

  /**
   * A word of one dash that is no option of this command is a parameter, not an error: {@code ssi
   * kill -9 CPID}, {@code ssi kill -KILL CPID}, {@code ssi kill -- -PGID}.
   */
  Syntax dashWordsAreParameters() {
    dashWordsAreParameters = true;
    return this;
  }

  String summary() {
    return summary;
  }

  List<String> paragraphs() {
    return paragraphs;
  }

  List<Option> options() {
    return options;
  }

  List<Parameter> parameters() {
    return parameters;
  }

  Map<String, Supplier<Command>> commands() {
    return commands;
  }

  List<String> footer() {
    return footer;
  }

  boolean stopsOptionsAtFirstParameter() {
    return stopOptionsAtFirstParameter;
  }

  boolean takesDashWordsAsParameters() {
    return dashWordsAreParameters;
  }

  /** The names in "-a, --all"; not String.split, whose regular expression costs start-up. */
  private static List<String> split(String names) {
    List<String> split = new ArrayList<>(2);
    int start = 0;
    for (int comma = names.indexOf(", "); comma >= 0; comma = names.indexOf(", ", start)) {
      split.add(names.substring(start, comma));
      start = comma + 2;
    }
    split.add(names.substring(start));
    for (String name : split) {
      boolean shortName = name.length() == 2 && name.charAt(0) == '-' && name.charAt(1) != '-';
      boolean longName = name.length() > 2 && name.startsWith("--");
      if (!shortName && !longName) {
        throw new IllegalArgumentException("option name '" + name + "' is not -x or --word");
      }
    }
    return List.copyOf(split);
  }
}
