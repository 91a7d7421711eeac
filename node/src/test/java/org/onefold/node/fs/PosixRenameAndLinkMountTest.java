package org.onefold.node.fs;

import java.io.IOException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Names that move and names that share an inode, through a real CFS mount beside the local disk
 * ({@link PosixProbe}): rename(2) and renameat2(2)'s RENAME_NOREPLACE and RENAME_EXCHANGE, hard
 * links and symbolic links. Each line answers on the mount as Linux's own filesystem does.
 */
class PosixRenameAndLinkMountTest extends PosixMountCase {
  @Test
  @DisplayName("rename replaces at once; the old file stays readable where open; two names stay")
  void renameReplaces() throws IOException {
    probe.check(
        """
        create("new", b"new")
        create("old", b"old")
        fd = os.open("old", os.O_RDONLY)
        os.rename("new", "old")
        read("old")                                                  # b'new'
        os.pread(fd, 10, 0)                                          # b'old'
        os.fstat(fd).st_nlink                                        # 0
        os.close(fd)
        sorted(os.listdir("."))                                      # ['old']
        os.rename("old", "old")
        read("old")                                                  # b'new'
        os.link("old", "second")
        os.rename("old", "second")
        sorted(os.listdir("."))                                      # ['old', 'second']
        os.rename("missing", "x")                                    # ENOENT
        """);
  }

  @Test
  @DisplayName("rename across directories: a file, and a directory with its link counts and '..'")
  void renameAcrossDirectories() throws IOException {
    probe.check(
        """
        os.mkdir("a")
        os.mkdir("b")
        create("a/f", b"f")
        os.rename("a/f", "b/g")
        read("b/g")                                                  # b'f'
        os.listdir("a")                                              # []
        os.mkdir("a/sub")
        create("a/sub/inner")
        os.rename("a/sub", "b/sub")
        os.stat("a").st_nlink                                        # 2
        os.stat("b").st_nlink                                        # 3
        os.path.samestat(os.stat("b/sub/.."), os.stat("b"))          # True
        os.listdir("b/sub")                                          # ['inner']
        os.rename("b/sub", "missing/sub")                            # ENOENT
        """);
  }

  @Test
  @DisplayName("rename onto what is there: ENOTEMPTY, ENOTDIR, EISDIR; onto an empty directory")
  void renameOntoExisting() throws IOException {
    probe.check(
        """
        os.mkdir("d")
        os.mkdir("full")
        create("full/f")
        os.mkdir("empty")
        create("file")
        os.rename("d", "full")                                       # ENOTEMPTY
        os.rename("d", "file")                                       # ENOTDIR
        os.rename("file", "empty")                                   # EISDIR
        os.rename("d", "empty")
        sorted(os.listdir("."))                                      # ['empty', 'file', 'full']
        os.stat(".").st_nlink                                        # 4
        """);
  }

  @Test
  @DisplayName(
      "a directory into itself or its own subdirectory: EINVAL; onto its parent: ENOTEMPTY")
  void renameIntoItself() throws IOException {
    probe.check(
        """
        os.makedirs("a/b/c")
        os.rename("a", "a/b/c/a")                                    # EINVAL
        os.rename("a", "a/b")                                        # EINVAL
        os.rename("a/b", "a")                                        # ENOTEMPTY
        os.rename("a", "a")
        os.listdir("a/b")                                            # ['c']
        """);
  }

  @Test
  @DisplayName("RENAME_NOREPLACE: EEXIST onto a name that is there, a rename where none is")
  void renameNoReplace() throws IOException {
    probe.check(
        """
        create("a", b"a")
        create("b", b"b")
        renameat2("a", "b", RENAME_NOREPLACE)                        # EEXIST
        read("b")                                                    # b'b'
        renameat2("a", "c", RENAME_NOREPLACE)
        sorted(os.listdir("."))                                      # ['b', 'c']
        """);
  }

  @Test
  @DisplayName("RENAME_EXCHANGE: two names swap, across directories and kinds; ENOENT, EINVAL")
  void renameExchange() throws IOException {
    probe.check(
        """
        create("a", b"a")
        os.mkdir("d")
        create("d/b", b"b")
        renameat2("a", "d/b", RENAME_EXCHANGE)
        read("a")                                                    # b'b'
        read("d/b")                                                  # b'a'
        renameat2("a", "missing", RENAME_EXCHANGE)                   # ENOENT
        renameat2("d", "a", RENAME_EXCHANGE)
        mode("a")                                                    # 0o40755
        os.listdir("a")                                              # ['b']
        read("d")                                                    # b'b'
        renameat2("a", "a/b", RENAME_EXCHANGE)                       # EINVAL
        renameat2("a", "d", RENAME_EXCHANGE | RENAME_NOREPLACE)      # EINVAL
        """);
  }

  @Test
  @DisplayName(
      "hard links: one inode, the link count, ctime moves; EEXIST, ENOENT, EPERM on a directory")
  void hardLinks() throws IOException {
    probe.check(
        """
        create("f", b"data")
        c = os.stat("f").st_ctime_ns
        tick()
        os.link("f", "g")
        os.stat("f").st_nlink                                        # 2
        os.path.samestat(os.stat("f"), os.stat("g"))                 # True
        os.stat("f").st_ctime_ns > c                                 # True
        os.link("f", "g")                                            # EEXIST
        os.link("missing", "h")                                      # ENOENT
        os.mkdir("d")
        os.link("d", "e")                                            # EPERM
        os.unlink("f")
        os.stat("g").st_nlink                                        # 1
        read("g")                                                    # b'data'
        """);
  }

  @Test
  @DisplayName("symbolic links: readlink, dangling, made through, loops ELOOP, O_NOFOLLOW")
  void symbolicLinks() throws IOException {
    probe.check(
        """
        create("target", b"data")
        os.symlink("target", "link")
        os.readlink("link")                                          # target
        os.lstat("link").st_size                                     # 6
        mode("link")                                                 # 0o120777
        read("link")                                                 # b'data'
        os.readlink("target")                                        # EINVAL
        os.symlink("x", "link")                                      # EEXIST
        os.symlink("", "empty")                                      # ENOENT
        os.open("link", os.O_RDONLY | os.O_NOFOLLOW)                 # ELOOP
        os.symlink("nowhere", "dangling")
        os.stat("dangling")                                          # ENOENT
        os.lstat("dangling").st_size                                 # 7
        os.open("dangling", os.O_WRONLY | os.O_CREAT | os.O_EXCL)    # EEXIST
        os.close(os.open("dangling", os.O_WRONLY | os.O_CREAT, 0o644))
        mode("nowhere")                                              # 0o100644
        os.symlink("loop2", "loop1")
        os.symlink("loop1", "loop2")
        os.open("loop1", os.O_RDONLY)                                # ELOOP
        os.stat("loop1")                                             # ELOOP
        os.mkdir("d")
        os.symlink("d", "to-d")
        create("to-d/f")
        os.listdir("d")                                              # ['f']
        os.rmdir("to-d")                                             # ENOTDIR
        os.unlink("to-d")
        """);
  }
}
