package org.onefold.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The help of one command, made from its {@link Syntax}: a usage line, the summary and paragraphs,
 * then the parameters, the options (the command's own, the inherited ones, help and version) and
 * the subcommands, each with its description in a second column, then the footer. Text is wrapped
 * at {@link #WIDTH} columns. A pure function: tests read its output.
 */
final class Help {
  /** The width of a terminal nobody resized; long lines wrap within it. */
  static final int WIDTH = 80;

  /** The widest the first column gets; a longer entry puts its description on the next line. */
  private static final int COLUMN_MAX = 26;

  private static final String INDENT = "  ";

  /** One line of a two-column list. */
  private record Row(String left, String description) {}

  private Help() {}

  /** The help of the command called name (as typed: "ssi reg put") whose syntax is syntax. */
  static String text(String name, Syntax syntax, List<Syntax.Option> inherited) {
    StringBuilder text = new StringBuilder();
    text.append("Usage: ").append(usage(name, syntax)).append('\n');
    wrap(text, syntax.summary(), 0, WIDTH);
    for (String paragraph : syntax.paragraphs()) {
      wrap(text, paragraph, 0, WIDTH);
    }
    List<Row> parameters = new ArrayList<>();
    for (Syntax.Parameter parameter : syntax.parameters()) {
      parameters.add(new Row(parameterUsage(parameter), parameter.description()));
    }
    List<Row> options = new ArrayList<>();
    for (Syntax.Option option : syntax.options()) {
      options.add(new Row(optionNames(option), option.description()));
    }
    for (Syntax.Option option : inherited) {
      options.add(new Row(optionNames(option), option.description()));
    }
    options.add(new Row("-h, --help", "Show this help message and exit."));
    options.add(new Row("-V, --version", "Print version information and exit."));
    List<Row> commands = new ArrayList<>();
    for (Map.Entry<String, Supplier<Command>> command : syntax.commands().entrySet()) {
      commands.add(new Row(command.getKey(), command.getValue().get().syntax().summary()));
    }
    // Parameters and options line up with each other; the commands, short names, on their own.
    int column = column(parameters, options);
    section(text, "Parameters:", parameters, column);
    section(text, "Options:", options, column);
    section(text, "Commands:", commands, column(commands));
    if (!syntax.footer().isEmpty()) {
      text.append('\n');
      for (String line : syntax.footer()) {
        wrap(text, line, 0, WIDTH);
      }
    }
    return text.toString();
  }

  /** "ssi reg put [OPTIONS] KEY VALUE". */
  private static String usage(String name, Syntax syntax) {
    StringBuilder usage = new StringBuilder(name).append(" [OPTIONS]");
    for (Syntax.Parameter parameter : syntax.parameters()) {
      usage.append(' ').append(parameterUsage(parameter));
    }
    if (!syntax.commands().isEmpty()) {
      usage.append(" COMMAND");
    }
    return usage.toString();
  }

  /** KEY, [PREFIX] if it may be left out, CMD... if it takes the rest. */
  private static String parameterUsage(Syntax.Parameter parameter) {
    String label = parameter.label();
    if (parameter.countMax() > 1) {
      label += "...";
    }
    return parameter.countMin() == 0 ? "[" + label + "]" : label;
  }

  /** "-a, --all", " --dir=D", "-s SIG": long names line up after a short name's place. */
  private static String optionNames(Syntax.Option option) {
    StringBuilder names = new StringBuilder();
    String first = option.names().getFirst();
    if (first.startsWith("--")) {
      names.append("    ");
    }
    names.append(String.join(", ", option.names()));
    if (option.takesValue()) {
      names.append(option.name().startsWith("--") ? "=" : " ").append(option.label());
    }
    return names.toString();
  }

  /** The column where descriptions start in lists of rows. */
  @SafeVarargs
  private static int column(List<Row>... lists) {
    int widest = 0;
    for (List<Row> rows : lists) {
      for (Row row : rows) {
        widest = Math.max(widest, row.left().length());
      }
    }
    return Math.min(INDENT.length() + widest + 2, COLUMN_MAX);
  }

  private static void section(StringBuilder text, String title, List<Row> rows, int column) {
    if (rows.isEmpty()) {
      return;
    }
    text.append('\n').append(title).append('\n');
    for (Row row : rows) {
      String left = INDENT + row.left();
      text.append(left);
      if (left.length() + 1 > column) {
        text.append('\n').append(" ".repeat(column));
      } else {
        text.append(" ".repeat(column - left.length()));
      }
      wrap(text, row.description(), column, WIDTH - column);
    }
  }

  /**
   * Appends words of paragraph in lines of at most width characters (a longer word gets a line of
   * its own), every line but the first indented by indent; ends with a newline.
   */
  private static void wrap(StringBuilder text, String paragraph, int indent, int width) {
    int lineLength = 0;
    for (String word : paragraph.split(" ")) {
      if (word.isEmpty()) {
        continue;
      }
      if (lineLength > 0 && lineLength + 1 + word.length() > width) {
        text.append('\n').append(" ".repeat(indent));
        lineLength = 0;
      }
      if (lineLength > 0) {
        text.append(' ');
        lineLength++;
      }
      text.append(word);
      lineLength += word.length();
    }
    text.append('\n');
  }
}
