package org.onefold.node.proc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcStatTest {
  @Test
  void fields_are_counted_after_the_last_parenthesis_of_the_name() {
    String line =
        "22455 (my (odd) prog) S 22453 22450 6573 0 -1 4194304 102 0 0 0 7 5 0 0 20 0 1 0"
            + " 1159952 3133440 416 18446744073709551615 0";
    ProcStat stat = ProcStat.parse(line).orElseThrow();
    assertThat(stat)
        .isEqualTo(new ProcStat(22455, "my (odd) prog", 'S', 22453, 22450, 6573, 12, 1159952));
  }

  @Test
  void a_truncated_or_foreign_line_is_no_stat() {
    assertThat(ProcStat.parse("")).isEmpty();
    assertThat(ProcStat.parse("12 (x) S 1 2")).isEmpty();
    assertThat(ProcStat.parse("abc (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20"))
        .isEmpty();
  }
}
