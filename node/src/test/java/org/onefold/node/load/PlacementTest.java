package org.onefold.node.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.onefold.proto.LoadVector;

class PlacementTest {
  private static final long PLENTY = 8L << 30;

  private static LoadVector load(double average, int runnable, int cpus, long available) {
    return LoadVector.newBuilder()
        .setLoadAverage(average)
        .setRunnable(runnable)
        .setCpus(cpus)
        .setMemoryAvailableBytes(available)
        .build();
  }

  private static Placement.Candidate node(int node, LoadVector load) {
    return new Placement.Candidate(node, Optional.of(load));
  }

  @Test
  void the_node_with_less_work_per_cpu_is_chosen() {
    Placement.Choice choice =
        Placement.choose(
            List.of(node(2, load(3.0, 3, 4, PLENTY)), node(3, load(1.0, 1, 1, PLENTY))));
    // Node 2: 0.75 per cpu; node 3: 1.0.
    assertThat(choice.node()).isEqualTo(2);
    assertThat(choice.reason())
        .startsWith("node 2 chosen; node 2: load 3.00, 3 runnable, 4 cpus, 8.0 GiB available")
        .contains("node 3: load 1.00, 1 runnable, 1 cpus");
  }

  @Test
  void runnable_tasks_count_before_the_load_average_catches_up() {
    // A burst just started on node 2: its 1-minute average is still low.
    Placement.Choice choice =
        Placement.choose(
            List.of(node(2, load(0.1, 4, 2, PLENTY)), node(3, load(0.9, 1, 2, PLENTY))));
    assertThat(choice.node()).isEqualTo(3);
  }

  @Test
  void a_node_short_of_memory_is_taken_only_if_the_other_is_short_too() {
    long short_ = Limits.MEMORY_FLOOR_BYTES - 1;
    assertThat(
            Placement.choose(
                    List.of(node(2, load(0, 0, 8, short_)), node(3, load(4, 4, 1, PLENTY))))
                .node())
        .isEqualTo(3);
    assertThat(
            Placement.choose(
                    List.of(node(2, load(0, 0, 8, short_)), node(3, load(4, 4, 1, short_))))
                .node())
        .isEqualTo(2);
  }

  @Test
  void a_node_without_a_recent_vector_loses_to_one_with_a_vector() {
    Placement.Choice choice =
        Placement.choose(
            List.of(new Placement.Candidate(2, Optional.empty()), node(3, load(9, 9, 1, PLENTY))));
    assertThat(choice.node()).isEqualTo(3);
    assertThat(choice.reason()).contains("node 2: no recent load");
  }

  @Test
  void on_a_tie_the_first_drawn_is_chosen() {
    LoadVector same = load(0.5, 0, 2, PLENTY);
    assertThat(Placement.choose(List.of(node(5, same), node(1, same))).node()).isEqualTo(5);
    Placement.Choice alone =
        Placement.choose(List.of(new Placement.Candidate(4, Optional.empty())));
    assertThat(alone)
        .isEqualTo(
            new Placement.Choice(4, "node 4 chosen, the only node up; node 4: no recent load"));
  }

  @Test
  void no_candidate_is_a_programming_error() {
    assertThatThrownBy(() -> Placement.choose(List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void no_node_up_gives_no_candidates_and_one_node_gives_itself() {
    assertThat(Placement.candidates(List.of(), new SplittableRandom(1))).isEmpty();
    assertThat(Placement.candidates(List.of(7), new SplittableRandom(1))).containsExactly(7);
  }

  @Property
  void two_distinct_up_nodes_are_drawn(
      @ForAll @IntRange(min = 2, max = 50) int nodes, @ForAll long seed) {
    List<Integer> up = java.util.stream.IntStream.rangeClosed(1, nodes).boxed().toList();
    List<Integer> drawn = Placement.candidates(up, new SplittableRandom(seed));
    assertThat(drawn).hasSize(2).doesNotHaveDuplicates();
    assertThat(up).containsAll(drawn);
  }

  @Test
  void every_node_is_drawn_about_as_often() {
    List<Integer> up = List.of(1, 2, 3, 4);
    Map<Integer, Integer> drawn = new HashMap<>();
    SplittableRandom random = new SplittableRandom(42);
    for (int draw = 0; draw < 40_000; draw++) {
      for (int node : Placement.candidates(up, random)) {
        drawn.merge(node, 1, Integer::sum);
      }
    }
    // 80,000 draws over 4 nodes: 20,000 each, give or take a few percent.
    assertThat(drawn.values()).allSatisfy(count -> assertThat(count).isBetween(19_000, 21_000));
  }

  @Test
  void idle_nodes_share_a_burst_of_starts() {
    // Every vector is the same stale reading, as during a burst: the random draw spreads it.
    LoadVector idle = load(0, 0, 2, PLENTY);
    Map<Integer, Integer> placed = new HashMap<>();
    SplittableRandom random = new SplittableRandom(7);
    for (int start = 0; start < 300; start++) {
      List<Placement.Candidate> candidates =
          Placement.candidates(List.of(1, 2, 3), random).stream()
              .map(node -> node(node, idle))
              .toList();
      placed.merge(Placement.choose(candidates).node(), 1, Integer::sum);
    }
    assertThat(placed).containsOnlyKeys(1, 2, 3);
    assertThat(placed.values()).allSatisfy(count -> assertThat(count).isBetween(70, 130));
  }
}
