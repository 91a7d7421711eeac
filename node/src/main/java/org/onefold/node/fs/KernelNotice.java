package org.onefold.node.fs;

import java.util.ArrayList;
import java.util.List;
import org.onefold.proto.fs.FsCommand;

/**
 * What a node's kernel must forget after a change another node made: the kernel keeps names and
 * attributes (and pages) it was given, and only the node that made a change saw it happen. The
 * applying replica of every node derives the notices from the command, before applying it (an
 * unlink's victim is known only then), and its mount sends them (FUSE_NOTIFY_INVAL_INODE and
 * FUSE_NOTIFY_INVAL_ENTRY).
 */
sealed interface KernelNotice {
  /** inode's attributes, and its pages from offset for length bytes (0: to the end), are stale. */
  record InodeChanged(long inode, long offset, long length) implements KernelNotice {
    /** Attributes only (the kernel's convention: a negative offset keeps the pages). */
    static InodeChanged attributes(long inode) {
      return new InodeChanged(inode, -1, 0);
    }
  }

  /** parent's name is stale: gone, or now another inode. */
  record NameChanged(long parent, String name) implements KernelNotice {}

  /**
   * inode lost a name (unlinked, renamed, replaced): its attributes are stale, and a name the
   * kernel resolved to it before may now name another inode, or none.
   */
  record NameMoved(long inode) implements KernelNotice {}

  /** The notices command calls for, as the namespace stands before it is applied. */
  static List<KernelNotice> of(FsCommand command, Namespace before) {
    List<KernelNotice> notices = new ArrayList<>();
    switch (command.getChangeCase()) {
      case MAKE -> changedName(notices, command.getMake().getParent(), command.getMake().getName());
      case SYMLINK ->
          changedName(notices, command.getSymlink().getParent(), command.getSymlink().getName());
      case LINK -> {
        changedName(notices, command.getLink().getParent(), command.getLink().getName());
        notices.add(InodeChanged.attributes(command.getLink().getInode()));
      }
      case UNLINK ->
          removedName(
              notices, before, command.getUnlink().getParent(), command.getUnlink().getName());
      case RMDIR ->
          removedName(
              notices, before, command.getRmdir().getParent(), command.getRmdir().getName());
      case RENAME -> {
        var rename = command.getRename();
        removedName(notices, before, rename.getParent(), rename.getName());
        removedName(notices, before, rename.getNewParent(), rename.getNewName());
      }
      case SET_ATTRIBUTES -> {
        var set = command.getSetAttributes();
        notices.add(
            set.hasSize()
                ? new InodeChanged(set.getInode(), 0, 0)
                : InodeChanged.attributes(set.getInode()));
      }
      case WRITE -> {
        var write = command.getWrite();
        // An append's place is the file's end as the log ordered it: all of the file's pages.
        notices.add(
            write.getAppend()
                ? new InodeChanged(write.getInode(), 0, 0)
                : new InodeChanged(write.getInode(), write.getOffset(), write.getData().size()));
      }
      case SET_XATTR -> notices.add(InodeChanged.attributes(command.getSetXattr().getInode()));
      case REMOVE_XATTR ->
          notices.add(InodeChanged.attributes(command.getRemoveXattr().getInode()));
      case OPEN, RELEASE, CHANGE_NOT_SET -> {}
    }
    return notices;
  }

  /** A name made in parent: the name (a kernel may not have it yet) and parent's times. */
  private static void changedName(List<KernelNotice> notices, long parent, String name) {
    notices.add(new NameChanged(parent, name));
    notices.add(InodeChanged.attributes(parent));
  }

  /** A name taken from parent: also the inode it named, whose links and ctime change. */
  private static void removedName(
      List<KernelNotice> notices, Namespace before, long parent, String name) {
    changedName(notices, parent, name);
    try {
      notices.add(new NameMoved(before.lookup(parent, name).inode()));
    } catch (FsError e) {
      // No such name: the command fails, and the kernel holds nothing under it.
    }
  }
}
