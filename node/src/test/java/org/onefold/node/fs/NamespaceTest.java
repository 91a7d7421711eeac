package org.onefold.node.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.onefold.node.fs.Namespace.ROOT;
import static org.onefold.node.fs.Namespace.S_IFDIR;
import static org.onefold.node.fs.Namespace.S_IFIFO;
import static org.onefold.node.fs.Namespace.S_IFREG;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class NamespaceTest {
  private final Namespace namespace = new Namespace(0755, 0, 0, 1_000);
  private long now = 2_000;

  private long file(long parent, String name) throws FsError {
    return namespace.make(parent, name, S_IFREG | 0644, 1000, 1000, now++).inode();
  }

  private long directory(long parent, String name) throws FsError {
    return namespace.make(parent, name, S_IFDIR | 0755, 1000, 1000, now++).inode();
  }

  private static void assertErrno(ThrowingCallable operation, int errno) {
    assertThatThrownBy(operation)
        .isInstanceOfSatisfying(FsError.class, e -> assertThat(e.errno()).isEqualTo(errno));
  }

  private List<String> names(long directory) throws FsError {
    return namespace.list(directory).stream().map(Namespace.Entry::name).toList();
  }

  @Test
  @DisplayName("make, look up and list: link counts and parent times as Linux keeps them")
  void makeAndList() throws FsError {
    long home = directory(ROOT, "home");
    long notes = file(home, "notes");
    namespace.make(home, "fifo", S_IFIFO | 0600, 1000, 1000, now++);

    assertThat(names(home)).containsExactly(".", "..", "fifo", "notes");
    assertThat(namespace.lookup(home, "notes").inode()).isEqualTo(notes);
    assertThat(namespace.attributes(ROOT).links()).as("root: ., .. and home's ..").isEqualTo(3);
    assertThat(namespace.attributes(home).links()).isEqualTo(2);
    assertThat(namespace.attributes(home).modifyNanos()).isEqualTo(now - 1);
    assertThat(namespace.attributes(notes).uid()).isEqualTo(1000);
    assertErrno(() -> file(home, "notes"), FsError.EEXIST);
    assertErrno(() -> namespace.lookup(home, "none"), FsError.ENOENT);
    assertErrno(() -> namespace.lookup(notes, "x"), FsError.ENOTDIR);
    assertErrno(() -> file(home, "x".repeat(256)), FsError.ENAMETOOLONG);
    assertErrno(() -> file(home, "a/b"), FsError.EINVAL);
    assertErrno(() -> namespace.make(home, "dev", 0020644, 0, 0, now), FsError.EPERM);
  }

  @Test
  @DisplayName("a set-group-id directory gives its group, and its bit to new directories")
  void setGroupIdDirectory() throws FsError {
    long shared = directory(ROOT, "shared");
    namespace.setAttributes(
        shared, Namespace.Changes.none().withMode(02775).withOwner(1000, 50), now++);
    long made = file(shared, "f");
    long sub = directory(shared, "sub");
    assertThat(namespace.attributes(made).gid()).isEqualTo(50);
    assertThat(namespace.attributes(sub).gid()).isEqualTo(50);
    assertThat(namespace.attributes(sub).mode() & Namespace.S_ISGID).isNotZero();
  }

  @Test
  @DisplayName("hard links count names; the last unlink of an open file waits for its release")
  void linksAndOpenUnlink() throws FsError {
    long a = file(ROOT, "a");
    namespace.link(a, ROOT, "b", now++);
    assertThat(namespace.attributes(a).links()).isEqualTo(2);
    assertErrno(() -> namespace.link(ROOT, ROOT, "c", now), FsError.EPERM);
    assertErrno(() -> namespace.unlink(ROOT, "none", now), FsError.ENOENT);

    namespace.open(a);
    namespace.unlink(ROOT, "a", now++);
    namespace.unlink(ROOT, "b", now++);
    assertThat(namespace.attributes(a).links()).as("unlinked, still open").isZero();
    assertThat(namespace.drainFreed()).isEmpty();
    namespace.release(a);
    assertThat(namespace.drainFreed()).containsExactly(a);
    assertErrno(() -> namespace.attributes(a), FsError.ENOENT);
  }

  @Test
  @DisplayName("rmdir: not empty, not a directory, and unlink of a directory, as Linux answers")
  void removeDirectories() throws FsError {
    long d = directory(ROOT, "d");
    file(d, "f");
    assertErrno(() -> namespace.rmdir(ROOT, "d", now), FsError.ENOTEMPTY);
    assertErrno(() -> namespace.unlink(ROOT, "d", now), FsError.EISDIR);
    assertErrno(() -> namespace.rmdir(d, "f", now), FsError.ENOTDIR);
    namespace.unlink(d, "f", now++);
    namespace.rmdir(ROOT, "d", now++);
    assertThat(names(ROOT)).containsExactly(".", "..");
    assertThat(namespace.attributes(ROOT).links()).isEqualTo(2);
    assertThat(namespace.inodes()).isEqualTo(1);
  }

  @Test
  @DisplayName("rename replaces atomically, refuses with NOREPLACE, swaps with EXCHANGE")
  void renames() throws FsError {
    long x = file(ROOT, "x");
    long y = file(ROOT, "y");
    assertErrno(
        () -> namespace.rename(ROOT, "x", ROOT, "y", Namespace.RENAME_NOREPLACE, now),
        FsError.EEXIST);
    namespace.rename(ROOT, "x", ROOT, "y", Namespace.RENAME_EXCHANGE, now++);
    assertThat(namespace.lookup(ROOT, "x").inode()).isEqualTo(y);
    assertThat(namespace.lookup(ROOT, "y").inode()).isEqualTo(x);
    namespace.rename(ROOT, "x", ROOT, "y", 0, now++);
    assertThat(names(ROOT)).containsExactly(".", "..", "y");
    assertThat(namespace.lookup(ROOT, "y").inode()).isEqualTo(y);
    assertThat(namespace.drainFreed()).as("the replaced file").containsExactly(x);
    assertErrno(
        () -> namespace.rename(ROOT, "y", ROOT, "z", Namespace.RENAME_EXCHANGE, now),
        FsError.ENOENT);
    assertErrno(() -> namespace.rename(ROOT, "y", ROOT, "z", 3, now), FsError.EINVAL);
  }

  @Test
  @DisplayName("rename of directories: across parents, over empty ones, never into themselves")
  void renameDirectories() throws FsError {
    long a = directory(ROOT, "a");
    long b = directory(ROOT, "b");
    long inner = directory(a, "inner");
    long file = file(ROOT, "f");
    assertErrno(() -> namespace.rename(ROOT, "a", inner, "loop", 0, now), FsError.EINVAL);
    assertErrno(() -> namespace.rename(ROOT, "a", ROOT, "f", 0, now), FsError.ENOTDIR);
    assertErrno(() -> namespace.rename(ROOT, "f", ROOT, "a", 0, now), FsError.EISDIR);
    assertErrno(() -> namespace.rename(ROOT, "b", ROOT, "a", 0, now), FsError.ENOTEMPTY);

    namespace.rename(a, "inner", b, "moved", 0, now++);
    assertThat(namespace.attributes(a).links()).isEqualTo(2);
    assertThat(namespace.attributes(b).links()).isEqualTo(3);
    assertThat(namespace.list(inner).get(1).inode()).as("its .. follows").isEqualTo(b);
    // b (holding moved) over the now empty a: a's inode is freed, b takes its name.
    namespace.rename(ROOT, "b", ROOT, "a", 0, now++);
    assertThat(names(ROOT)).containsExactly(".", "..", "a", "f");
    assertThat(namespace.lookup(ROOT, "a").inode()).isEqualTo(b);
    assertThat(namespace.drainFreed()).containsExactly(a);
    assertThat(namespace.attributes(ROOT).links()).isEqualTo(3);
    assertThat(namespace.lookup(ROOT, "f").inode()).isEqualTo(file);
  }

  @Test
  @DisplayName("setattr: truncate a file, not a directory; mode keeps the type bits")
  void setAttributes() throws FsError {
    long f = file(ROOT, "f");
    namespace.written(f, 10, now++);
    assertThat(namespace.attributes(f).size()).isEqualTo(10);
    Namespace.Attributes cut = namespace.setAttributes(f, Namespace.Changes.none().withSize(3), 77);
    assertThat(cut.size()).isEqualTo(3);
    assertThat(cut.modifyNanos()).isEqualTo(77);
    assertThat(namespace.setAttributes(f, Namespace.Changes.none().withMode(0600), now).mode())
        .isEqualTo(S_IFREG | 0600);
    assertErrno(
        () -> namespace.setAttributes(ROOT, Namespace.Changes.none().withSize(0), now),
        FsError.EISDIR);
    assertErrno(
        () -> namespace.setAttributes(f, Namespace.Changes.none().withSize(-1), now),
        FsError.EINVAL);
  }

  @Test
  @DisplayName(
      "user.* attributes: create and replace flags, ENODATA, and only where Linux keeps them")
  void extendedAttributes() throws FsError {
    long f = file(ROOT, "f");
    namespace.setXattr(f, "user.tag", new byte[] {1}, 0, now++);
    assertErrno(
        () -> namespace.setXattr(f, "user.tag", new byte[] {2}, Namespace.XATTR_CREATE, now),
        FsError.EEXIST);
    namespace.setXattr(f, "user.tag", new byte[] {3}, Namespace.XATTR_REPLACE, now++);
    assertThat(namespace.getXattr(f, "user.tag")).containsExactly(3);
    assertErrno(
        () -> namespace.setXattr(f, "user.new", new byte[0], Namespace.XATTR_REPLACE, now),
        FsError.ENODATA);
    assertErrno(() -> namespace.setXattr(f, "trusted.x", new byte[0], 0, now), FsError.EOPNOTSUPP);
    assertErrno(() -> namespace.setXattr(f, "user.big", new byte[65537], 0, now), FsError.E2BIG);
    long link = namespace.symlink(ROOT, "l", "f", 0, 0, now++).inode();
    assertErrno(() -> namespace.setXattr(link, "user.x", new byte[0], 0, now), FsError.EPERM);
    assertThat(namespace.listXattrs(f)).containsExactly("user.tag");
    namespace.removeXattr(f, "user.tag", now++);
    assertErrno(() -> namespace.getXattr(f, "user.tag"), FsError.ENODATA);
    assertErrno(() -> namespace.removeXattr(f, "user.tag", now), FsError.ENODATA);
  }

  @Property(tries = 200)
  void anySequenceKeepsTheNamespaceConsistent(@ForAll long seed) {
    Random random = new Random(seed);
    Namespace tree = new Namespace(0755, 0, 0, 0);
    List<String> names = List.of("a", "b", "c", "d");
    for (int step = 0; step < 60; step++) {
      List<Long> directories = directoriesOf(tree);
      long parent = directories.get(random.nextInt(directories.size()));
      long other = directories.get(random.nextInt(directories.size()));
      String name = names.get(random.nextInt(names.size()));
      String newName = names.get(random.nextInt(names.size()));
      try {
        switch (random.nextInt(6)) {
          case 0 -> tree.make(parent, name, S_IFDIR | 0755, 0, 0, step);
          case 1 -> tree.make(parent, name, S_IFREG | 0644, 0, 0, step);
          case 2 -> tree.link(tree.lookup(parent, name).inode(), other, newName, step);
          case 3 -> tree.unlink(parent, name, step);
          case 4 -> tree.rmdir(parent, name, step);
          default -> tree.rename(parent, name, other, newName, random.nextInt(3), step);
        }
      } catch (FsError refused) {
        // A refusal changes nothing; the invariants below say so.
      }
      assertConsistent(tree, seed);
    }
  }

  private static List<Long> directoriesOf(Namespace tree) {
    List<Long> directories = new ArrayList<>();
    Deque<Long> pending = new ArrayDeque<>(List.of(ROOT));
    while (!pending.isEmpty()) {
      long directory = pending.pop();
      directories.add(directory);
      try {
        for (Namespace.Entry entry : tree.list(directory)) {
          if (entry.type() == S_IFDIR && !entry.name().equals(".") && !entry.name().equals("..")) {
            pending.push(entry.inode());
          }
        }
      } catch (FsError e) {
        throw new AssertionError(e);
      }
    }
    return directories;
  }

  /** Link counts match the names; every reachable directory's .. is its parent; no strays. */
  private static void assertConsistent(Namespace tree, long seed) {
    Map<Long, Integer> names = new HashMap<>();
    Map<Long, Integer> subdirectories = new HashMap<>();
    try {
      for (long directory : directoriesOf(tree)) {
        for (Namespace.Entry entry : tree.list(directory)) {
          if (entry.name().equals(".")) {
            continue;
          }
          if (entry.name().equals("..")) {
            if (directory != ROOT) {
              assertThat(tree.list(entry.inode()).stream().anyMatch(e -> e.inode() == directory))
                  .as("seed %d: .. of %d names its parent", seed, directory)
                  .isTrue();
            }
            continue;
          }
          names.merge(entry.inode(), 1, Integer::sum);
          if (entry.type() == S_IFDIR) {
            subdirectories.merge(directory, 1, Integer::sum);
          }
        }
      }
      for (Map.Entry<Long, Integer> named : names.entrySet()) {
        Namespace.Attributes attributes = tree.attributes(named.getKey());
        int expected =
            attributes.isDirectory()
                ? 2 + subdirectories.getOrDefault(named.getKey(), 0)
                : named.getValue();
        assertThat(attributes.links())
            .as("seed %d: links of %d", seed, named.getKey())
            .isEqualTo(expected);
      }
      assertThat(tree.attributes(ROOT).links())
          .as("seed %d: root's links", seed)
          .isEqualTo(2 + subdirectories.getOrDefault(ROOT, 0));
      assertThat(tree.inodes())
          .as("seed %d: no inode without a name", seed)
          .isEqualTo(names.size() + 1);
    } catch (FsError e) {
      throw new AssertionError("seed " + seed, e);
    }
  }
}
