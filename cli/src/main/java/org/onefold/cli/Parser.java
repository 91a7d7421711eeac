package org.onefold.cli;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Reads a command line against the syntax of {@code ssi}, then of the command it names, then of
 * that command's subcommand, and so on. One parser reads one line. The rules are those of getopt
 * and of the picocli defaults {@code ssi} had before:
 *
 * <ul>
 *   <li>{@code --name value} and {@code --name=value}; {@code -x value} and {@code -xvalue}. Flags
 *       are not bundled ({@code -vT}): no command needs it.
 *   <li>Options and parameters may be mixed ({@code ssi reg del jobs/ --prefix}) until {@code --},
 *       after which every word is a parameter; a lone {@code -} is a parameter.
 *   <li>A group's first parameter names its subcommand; the subcommand also takes the group's
 *       inherited options ({@code ssi reg ls --socket PATH}).
 *   <li>{@code -h, --help} and {@code -V, --version} answer at once, whatever follows them.
 *   <li>Each option at most once; an option's value is never one of its command's options.
 *   <li>Two rules a command may ask for: {@link Syntax#stopOptionsAtFirstParameter} and {@link
 *       Syntax#dashWordsAreParameters}.
 * </ul>
 *
 * Values reach the command through the lambdas of its syntax, as they are read; a lambda's {@link
 * UsageError} is reported with the option or parameter it was for.
 */
final class Parser {
  /**
   * What the line asks for, ready to run: its command, or printing a help or the version. (An
   * action, not a sealed type to switch over: a pattern switch costs a class made at run time,
   * milliseconds of every start.)
   */
  @FunctionalInterface
  interface Action {
    int run(Ssi ssi) throws Exception;
  }

  /** The names of the commands reached so far, "ssi" first. */
  private final List<String> path = new ArrayList<>(List.of("ssi"));

  /** The options of the commands above this one that their subcommands take too. */
  private final List<Syntax.Option> inherited = new ArrayList<>();

  /** The options given so far; each may be given once. */
  private final Set<Syntax.Option> given = new HashSet<>();

  /** The command reached so far, its syntax and what its parameters have taken. */
  private Command command;

  private Syntax syntax;
  private Parameters parameters;

  /**
   * The command the line has reached so far, as typed ({@code ssi reg put}): after {@link #parse},
   * the one that runs or failed to parse.
   */
  String commandName() {
    return String.join(" ", path);
  }

  /** Reads words against top's syntax and its subcommands'; throws {@link UsageError}. */
  Action parse(Command top, String... words) {
    enter(top);
    boolean optionsEnded = false;
    for (int i = 0; i < words.length; i++) {
      String word = words[i];
      if (optionsEnded || !looksLikeOption(word)) {
        positional(word);
        continue;
      }
      switch (word) {
        case "--" -> {
          optionsEnded = true;
          continue;
        }
        case "-h", "--help" -> {
          return print(Help.text(commandName(), syntax, inherited));
        }
        case "-V", "--version" -> {
          return print(Ssi.VERSION + "\n");
        }
        default -> {}
      }
      Syntax.Option option = optionNamedIn(word);
      if (option != null) {
        i = take(option, words, i);
      } else if (word.startsWith("--") || !syntax.takesDashWordsAsParameters()) {
        throw new UsageError("unknown option '" + word + "'");
      } else {
        positional(word);
      }
    }
    if (!syntax.commands().isEmpty()) {
      throw new UsageError("missing a command: " + commandList(syntax));
    }
    parameters.finish();
    return command::run;
  }

  /** Makes next the command reached; the one before hands down its inherited options. */
  private void enter(Command next) {
    if (syntax != null) {
      for (Syntax.Option option : syntax.options()) {
        if (option.inherited()) {
          inherited.add(option);
        }
      }
    }
    command = next;
    syntax = next.syntax();
    parameters = new Parameters(syntax.parameters());
  }

  private boolean looksLikeOption(String word) {
    return word.length() > 1
        && word.charAt(0) == '-'
        && !(syntax.stopsOptionsAtFirstParameter() && parameters.any());
  }

  /** A word that is no option: a group's subcommand, else the next parameter. */
  private void positional(String word) {
    if (syntax.commands().isEmpty()) {
      parameters.add(word);
      return;
    }
    Supplier<Command> subcommand = syntax.commands().get(word);
    if (subcommand == null) {
      throw new UsageError(
          "unknown command '" + word + "'; the commands are " + commandList(syntax));
    }
    path.add(word);
    enter(subcommand.get());
  }

  /**
   * The option that word names, or null: {@code --name}, {@code --name=value}, {@code -x} or {@code
   * -xvalue} if -x takes a value ({@code -vT} names none: flags are not bundled).
   */
  private Syntax.Option optionNamedIn(String word) {
    Syntax.Option option = find(nameIn(word));
    boolean bundled = !word.startsWith("--") && word.length() > 2;
    return option != null && bundled && !option.takesValue() ? null : option;
  }

  /**
   * Gives option its value, attached to words[i] or the next word (never one of this command's
   * options); returns the index of the last word it took.
   */
  private int take(Syntax.Option option, String[] words, int i) {
    if (!given.add(option)) {
      throw new UsageError("option '" + option.name() + "' is given more than once");
    }
    String value = attachedValue(words[i]);
    if (!option.takesValue()) {
      if (value != null) {
        throw new UsageError("option '" + option.name() + "' takes no value");
      }
      set(option, "");
      return i;
    }
    if (value != null) {
      set(option, value);
      return i;
    }
    if (i + 1 == words.length || isOption(words[i + 1])) {
      throw new UsageError("option '" + option.name() + "' needs a value (" + option.label() + ")");
    }
    set(option, words[i + 1]);
    return i + 1;
  }

  private static Action print(String text) {
    return ssi -> {
      ssi.console().out().print(text);
      return 0;
    };
  }

  /** "a, b or c": the subcommands of syntax. */
  static String commandList(Syntax syntax) {
    List<String> names = List.copyOf(syntax.commands().keySet());
    if (names.size() == 1) {
      return names.getFirst();
    }
    return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.getLast();
  }

  /**
   * The option name in word: all of {@code --name[=value]} before '=', or {@code -x} of -xvalue.
   */
  private static String nameIn(String word) {
    if (word.startsWith("--")) {
      int equals = word.indexOf('=');
      return equals < 0 ? word : word.substring(0, equals);
    }
    return word.substring(0, 2);
  }

  /** The value in word after {@code --name=} or {@code -x}; null if there is none. */
  private static String attachedValue(String word) {
    if (word.startsWith("--")) {
      int equals = word.indexOf('=');
      return equals < 0 ? null : word.substring(equals + 1);
    }
    return word.length() > 2 ? word.substring(2) : null;
  }

  private Syntax.Option find(String name) {
    for (Syntax.Option option : syntax.options()) {
      if (option.names().contains(name)) {
        return option;
      }
    }
    for (Syntax.Option option : inherited) {
      if (option.names().contains(name)) {
        return option;
      }
    }
    return null;
  }

  /** Whether word is an option of this command, and so no option's value. */
  private boolean isOption(String word) {
    return switch (word) {
      case "-h", "--help", "-V", "--version" -> true;
      default -> word.length() > 1 && word.charAt(0) == '-' && find(nameIn(word)) != null;
    };
  }

  private static void set(Syntax.Option option, String value) {
    try {
      option.set().accept(value);
    } catch (UsageError e) {
      throw new UsageError("invalid value for option '" + option.name() + "': " + e.getMessage());
    }
  }

  /** Hands positional words to a command's parameters in order, each up to its count. */
  private static final class Parameters {
    private final List<Syntax.Parameter> parameters;
    private int index;
    private int count;
    private boolean any;

    Parameters(List<Syntax.Parameter> parameters) {
      this.parameters = parameters;
    }

    boolean any() {
      return any;
    }

    void add(String word) {
      while (index < parameters.size() && count == parameters.get(index).countMax()) {
        index++;
        count = 0;
      }
      if (index == parameters.size()) {
        throw new UsageError("unexpected argument '" + word + "'");
      }
      Syntax.Parameter parameter = parameters.get(index);
      count++;
      any = true;
      try {
        parameter.set().accept(word);
      } catch (UsageError e) {
        throw new UsageError("invalid value for " + parameter.label() + ": " + e.getMessage());
      }
    }

    /** Throws if a parameter got fewer values than it needs. */
    void finish() {
      for (int i = index; i < parameters.size(); i++) {
        int taken = i == index ? count : 0;
        if (taken < parameters.get(i).countMin()) {
          throw new UsageError("missing argument " + parameters.get(i).label());
        }
      }
    }
  }
}
