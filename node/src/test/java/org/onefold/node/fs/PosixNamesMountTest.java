package org.onefold.node.fs;

import java.io.IOException;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Names through a real CFS mount, beside the local disk ({@link PosixProbe}): create and open,
 * mkdir, rmdir and unlink, paths through files, long and non-UTF-8 names, fifos and device nodes,
 * and ".." at the mount's root. Each line answers on the mount as Linux's own filesystem does.
 */
class PosixNamesMountTest extends PosixMountCase {
  @Test
  @DisplayName("open with O_CREAT: O_EXCL on an existing name is EEXIST, a directory EISDIR")
  void create() throws IOException {
    probe.check(
        """
        create("f", b"x")
        os.open("f", os.O_WRONLY | os.O_CREAT | os.O_EXCL)          # EEXIST
        os.close(os.open("f", os.O_WRONLY | os.O_CREAT))
        read("f")                                                    # b'x'
        mode("f")                                                    # 0o100644
        os.close(os.open("g", os.O_WRONLY | os.O_CREAT, 0o600))
        mode("g")                                                    # 0o100600
        os.mkdir("d")
        os.open("d", os.O_WRONLY | os.O_CREAT)                      # EISDIR
        os.open("d", os.O_WRONLY | os.O_CREAT | os.O_EXCL)          # EEXIST
        os.open("d", os.O_WRONLY)                                    # EISDIR
        os.open("f", os.O_RDONLY | os.O_DIRECTORY)                   # ENOTDIR
        """);
  }

  @Test
  @DisplayName("open and stat of a missing name: ENOENT, in a missing directory too")
  void openMissing() throws IOException {
    probe.check(
        """
        os.open("missing", os.O_RDONLY)                              # ENOENT
        os.stat("missing")                                           # ENOENT
        os.open("missing/f", os.O_RDONLY)                            # ENOENT
        os.open("missing/f", os.O_WRONLY | os.O_CREAT)               # ENOENT
        os.open("", os.O_RDONLY)                                     # ENOENT
        """);
  }

  @Test
  @DisplayName("mkdir: EEXIST on a directory, a file, '.' and '..'; a directory's link count")
  void mkdir() throws IOException {
    probe.check(
        """
        os.mkdir("d")
        os.mkdir("d")                                                # EEXIST
        create("f")
        os.mkdir("f")                                                # EEXIST
        os.mkdir(".")                                                # EEXIST
        os.mkdir("d/..")                                             # EEXIST
        os.mkdir("missing/d")                                        # ENOENT
        mode("d")                                                    # 0o40755
        os.stat(".").st_nlink                                        # 3
        os.stat("d").st_nlink                                        # 2
        os.mkdir("d/e", 0o700)
        mode("d/e")                                                  # 0o40700
        os.stat("d").st_nlink                                        # 3
        """);
  }

  @Test
  @DisplayName("rmdir and unlink: ENOTEMPTY, ENOTDIR, EISDIR, ENOENT, EINVAL for '.'")
  void rmdirAndUnlink() throws IOException {
    probe.check(
        """
        os.mkdir("d")
        create("d/f")
        os.rmdir("d")                                                # ENOTEMPTY
        os.rmdir("d/f")                                              # ENOTDIR
        os.unlink("d")                                               # EISDIR
        os.rmdir("missing")                                          # ENOENT
        os.unlink("missing")                                         # ENOENT
        os.rmdir("d/.")                                              # EINVAL
        os.rmdir("d/..")                                             # ENOTEMPTY
        os.unlink("d/f")
        os.rmdir("d")
        os.listdir(".")                                              # []
        os.stat(".").st_nlink                                        # 2
        """);
  }

  @Test
  @Disabled(
      "CFS answers ENOENT where Linux answers with success: stat (st_nlink 0) and listing ([])"
          + " of a removed directory that is still a process's cwd; new names are ENOENT on both")
  @DisplayName("a removed directory still open as the cwd: lists empty, refuses new names ENOENT")
  void removedWorkingDirectory() throws IOException {
    probe.check(
        """
        os.mkdir("gone")
        os.chdir("gone")
        os.rmdir("../gone")
        os.stat(".").st_nlink                                        # 0
        create("f")                                                  # ENOENT
        os.mkdir("d")                                                # ENOENT
        os.listdir(".")                                              # []
        """);
  }

  @Test
  @DisplayName("a directory of many long names: each listed once, all removed while listing")
  void largeDirectory() throws IOException {
    probe.check(
        """
        os.mkdir("big")
        names = ["%03d" % k + "n" * 200 for k in range(300)]
        for name in names: create("big/" + name)
        sorted(os.listdir("big")) == names                           # True
        for entry in os.scandir("big"): os.unlink(entry.path)
        os.listdir("big")                                            # []
        os.rmdir("big")
        """);
  }

  @Test
  @DisplayName("a path through a file, or a file named with a trailing slash: ENOTDIR")
  void pathThroughFile() throws IOException {
    probe.check(
        """
        create("f")
        os.open("f/x", os.O_RDONLY)                                  # ENOTDIR
        os.stat("f/x")                                               # ENOTDIR
        os.mkdir("f/d")                                              # ENOTDIR
        os.open("f/x", os.O_WRONLY | os.O_CREAT)                     # ENOTDIR
        os.stat("f/")                                                # ENOTDIR
        os.unlink("f/")                                              # ENOTDIR
        os.rename("f/", "g")                                         # ENOTDIR
        """);
  }

  @Test
  @DisplayName("a name of 255 bytes is made; one of 256 is ENAMETOOLONG for every call that makes")
  void longNamesMade() throws IOException {
    probe.check(
        """
        create("x" * 255)
        os.stat("x" * 255).st_size                                   # 0
        create("é" * 127 + "x")
        create("x" * 256)                                            # ENAMETOOLONG
        create("é" * 128)                                            # ENAMETOOLONG
        os.mkdir("y" * 256)                                          # ENAMETOOLONG
        os.rename("x" * 255, "z" * 256)                              # ENAMETOOLONG
        os.link("x" * 255, "z" * 256)                                # ENAMETOOLONG
        os.symlink("x", "z" * 256)                                   # ENAMETOOLONG
        os.mkfifo("z" * 256)                                         # ENAMETOOLONG
        """);
  }

  @Test
  @DisplayName("a name of 256 bytes looked up (stat, open, unlink, rmdir): ENAMETOOLONG")
  void longNamesLookedUp() throws IOException {
    probe.check(
        """
        os.stat("x" * 256)                                           # ENAMETOOLONG
        os.open("x" * 256, os.O_RDONLY)                              # ENAMETOOLONG
        os.unlink("x" * 256)                                         # ENAMETOOLONG
        os.rmdir("x" * 256)                                          # ENAMETOOLONG
        """);
  }

  @Test
  @DisplayName("names are bytes: a name with byte 0xff is listed with that byte")
  void nonUtf8Names() throws IOException {
    probe.check(
        """
        create(b"caf\\xff", b"bytes")
        os.listdir(b".")                                             # [b'caf\\xff']
        read(b"caf\\xff")                                            # b'bytes'
        create(b"caf\\xfe", b"other")
        sorted(os.listdir(b"."))                                     # [b'caf\\xfe', b'caf\\xff']
        read(b"caf\\xff")                                            # b'bytes'
        """);
  }

  @Test
  @DisplayName("a symbolic link's target is bytes too")
  void nonUtf8LinkTarget() throws IOException {
    probe.check(
        """
        os.symlink(b"\\xff", b"link")
        os.readlink(b"link")                                         # b'\\xff'
        os.lstat(b"link").st_size                                    # 1
        """);
  }

  @Test
  @DisplayName("mknod of a fifo: kept, shown as a fifo, carrying bytes; a regular file by mknod")
  void fifo() throws IOException {
    probe.check(
        """
        os.mkfifo("p", 0o640)
        mode("p")                                                    # 0o10640
        os.mkfifo("p")                                               # EEXIST
        reader = os.open("p", os.O_RDONLY | os.O_NONBLOCK)
        writer = os.open("p", os.O_WRONLY)
        os.write(writer, b"through")                                 # 7
        os.read(reader, 100)                                         # b'through'
        os.listdir(".")                                              # ['p']
        os.mknod("r", stat.S_IFREG | 0o600)
        mode("r")                                                    # 0o100600
        """);
  }

  @Test
  @Disabled(
      "CFS answers EPERM where Linux answers with success: mknod of a character device or a"
          + " socket by root")
  @DisplayName("mknod of a character device and of a socket, as root")
  void deviceNodes() throws IOException {
    probe.check(
        """
        os.mknod("null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
        mode("null")                                                 # 0o20644
        os.major(os.stat("null").st_rdev), os.minor(os.stat("null").st_rdev)  # (1, 3)
        os.mknod("socket", stat.S_IFSOCK | 0o600)
        mode("socket")                                               # 0o140600
        """);
  }

  @Test
  @DisplayName(
      "'..' at the root leads to the directory the mount is in; in a chroot, to the root itself")
  void dotDotAtRoot() throws IOException {
    probe.check(
        """
        os.path.samestat(os.stat(".."), os.stat(os.path.dirname(os.getcwd())))  # True
        os.mkdir("d")
        os.path.samestat(os.stat("d/.."), os.stat("."))              # True
        os.path.samestat(os.stat("d/../.."), os.stat(".."))          # True
        os.chroot(".")
        os.path.samestat(os.stat("/.."), os.stat("/"))               # True
        os.path.samestat(os.stat("/d/../../.."), os.stat("/"))       # True
        os.listdir("/..")                                            # ['d']
        """);
  }
}
