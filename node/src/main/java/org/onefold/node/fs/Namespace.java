package org.onefold.node.fs;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.onefold.proto.fs.DirectoryEntry;
import org.onefold.proto.fs.InodeImage;
import org.onefold.proto.fs.NamespaceImage;

/**
 * The cluster filesystem's namespace: inodes, their attributes, and the names in directories, with
 * the rules and the errno values of a Linux filesystem (link counts, the set-group-id directory,
 * rename's replace, no-replace and exchange, an unlinked file that lives while it is open).
 *
 * <p>A pure object: every operation takes the time it happens at, so that replicas applying the
 * same operations in the same order (the filesystem group's log) hold the same namespace; no clock,
 * no I/O. File data is not here: the namespace keeps each file's size, and tells whoever keeps the
 * data which inodes are gone ({@link #drainFreed}). Permission checks are the kernel's (the mount
 * is {@code default_permissions}); what is checked here is what makes a namespace consistent.
 *
 * <p>Names, symbolic links' targets and attribute names are the kernel's bytes as strings of one
 * char per byte (ISO-8859-1): a Linux name need not be UTF-8, and its length in chars is its length
 * in bytes (255 at most).
 *
 * <p>One file past 700 lines on purpose: the rules that keep a namespace consistent (link counts,
 * rename's three kinds and their cycles, unlinked-while-open, the set-group-id directory) all touch
 * the same private node table and must be read together; the snapshot image and the xattr checks
 * sit at the end.
 *
 * <p>Not thread-safe: one thread applies operations (the state machine's).
 */
public final class Namespace {
  public static final long ROOT = 1;

  /** NAME_MAX: a name's length in bytes. */
  public static final int NAME_BYTES_MAX = 255;

  /** The most names one inode may have (ext4's limit). */
  public static final int LINKS_MAX = 65000;

  /** What stat(2) shows for a directory's size, as ext4 does for a small one. */
  public static final long DIRECTORY_SIZE = 4096;

  public static final int S_IFMT = 0170000;
  public static final int S_IFDIR = 0040000;
  public static final int S_IFREG = 0100000;
  public static final int S_IFLNK = 0120000;
  public static final int S_IFIFO = 0010000;
  public static final int S_ISGID = 02000;
  public static final int PERMISSION_BITS = 07777;

  /** setxattr(2) flags. */
  public static final int XATTR_CREATE = 1;

  public static final int XATTR_REPLACE = 2;

  /** XATTR_SIZE_MAX and XATTR_NAME_MAX. */
  public static final int XATTR_VALUE_BYTES_MAX = 65536;

  public static final int XATTR_NAME_BYTES_MAX = 255;

  /** The one extended attribute namespace served: the user's own (as ext4's user_xattr). */
  public static final String USER_XATTR_PREFIX = "user.";

  /** renameat2(2) flags. */
  public static final int RENAME_NOREPLACE = 1;

  public static final int RENAME_EXCHANGE = 2;

  /** What stat(2) shows of an inode; times in nanoseconds since the epoch. */
  public record Attributes(
      long inode,
      int mode,
      int links,
      int uid,
      int gid,
      long size,
      long rdev,
      long accessNanos,
      long modifyNanos,
      long changeNanos) {
    public boolean isDirectory() {
      return (mode & S_IFMT) == S_IFDIR;
    }

    /** As fs.proto carries them, in replies and in snapshots. */
    public org.onefold.proto.fs.Attributes image() {
      return org.onefold.proto.fs.Attributes.newBuilder()
          .setInode(inode)
          .setMode(mode)
          .setLinks(links)
          .setUid(uid)
          .setGid(gid)
          .setSize(size)
          .setAccessNanos(accessNanos)
          .setModifyNanos(modifyNanos)
          .setChangeNanos(changeNanos)
          .build();
    }
  }

  /** One name in a directory: its inode and st_mode's type bits. */
  public record Entry(String name, long inode, int type) {}

  /** What a setattr changes; an absent field stays. */
  public record Changes(
      OptionalInt mode,
      OptionalInt uid,
      OptionalInt gid,
      OptionalLong size,
      OptionalLong accessNanos,
      OptionalLong modifyNanos) {
    public static Changes none() {
      return new Changes(
          OptionalInt.empty(),
          OptionalInt.empty(),
          OptionalInt.empty(),
          OptionalLong.empty(),
          OptionalLong.empty(),
          OptionalLong.empty());
    }

    public Changes withMode(int value) {
      return new Changes(OptionalInt.of(value), uid, gid, size, accessNanos, modifyNanos);
    }

    public Changes withOwner(int user, int group) {
      return new Changes(
          mode, OptionalInt.of(user), OptionalInt.of(group), size, accessNanos, modifyNanos);
    }

    public Changes withSize(long value) {
      return new Changes(mode, uid, gid, OptionalLong.of(value), accessNanos, modifyNanos);
    }

    public Changes withTimes(long access, long modify) {
      return new Changes(mode, uid, gid, size, OptionalLong.of(access), OptionalLong.of(modify));
    }
  }

  /** One inode's state, owned by the namespace. */
  private static final class Node {
    final long inode;
    int mode;
    int links;
    int uid;
    int gid;
    long size;
    long rdev;
    long accessNanos;
    long modifyNanos;
    long changeNanos;

    /** A symbolic link's target; null for others. */
    String target;

    /** A directory's names; null for others. */
    TreeMap<String, Long> children;

    /** A directory's parent (the root's is itself). */
    long parent;

    /** Open files on it: an unlinked inode lives until the last is released. */
    int opens;

    /** Extended attributes (user.* only), by name; empty for most inodes. */
    final TreeMap<String, byte[]> xattrs = new TreeMap<>();

    Node(long inode, int mode, int uid, int gid, long nowNanos) {
      this.inode = inode;
      this.mode = mode;
      this.uid = uid;
      this.gid = gid;
      this.accessNanos = nowNanos;
      this.modifyNanos = nowNanos;
      this.changeNanos = nowNanos;
    }

    boolean isDirectory() {
      return (mode & S_IFMT) == S_IFDIR;
    }

    Attributes attributes() {
      long shownSize = isDirectory() ? DIRECTORY_SIZE : size;
      return new Attributes(
          inode, mode, links, uid, gid, shownSize, rdev, accessNanos, modifyNanos, changeNanos);
    }
  }

  private final Map<Long, Node> nodes = new HashMap<>();
  private final List<Long> freed = new ArrayList<>();
  private long nextInode = ROOT + 1;

  /** A namespace of an empty root directory with mode (permission bits) and owner. */
  public Namespace(int rootMode, int rootUid, int rootGid, long nowNanos) {
    Node root = new Node(ROOT, S_IFDIR | (rootMode & PERMISSION_BITS), rootUid, rootGid, nowNanos);
    root.links = 2;
    root.children = new TreeMap<>();
    root.parent = ROOT;
    nodes.put(ROOT, root);
  }

  public Attributes attributes(long inode) throws FsError {
    return node(inode).attributes();
  }

  public Attributes lookup(long parent, String name) throws FsError {
    Node directory = directory(parent);
    checkName(name);
    Long child = directory.children.get(name);
    if (child == null) {
      throw new FsError(FsError.ENOENT, name + " in directory " + parent);
    }
    return nodes.get(child).attributes();
  }

  /** ".", ".." and the directory's names, in name order. */
  public List<Entry> list(long inode) throws FsError {
    Node directory = directory(inode);
    List<Entry> entries = new ArrayList<>(directory.children.size() + 2);
    entries.add(new Entry(".", inode, S_IFDIR));
    entries.add(new Entry("..", directory.parent, S_IFDIR));
    directory.children.forEach(
        (name, child) -> entries.add(new Entry(name, child, nodes.get(child).mode & S_IFMT)));
    return entries;
  }

  public String readlink(long inode) throws FsError {
    Node link = node(inode);
    if (link.target == null) {
      throw new FsError(FsError.EINVAL, "inode " + inode + " is not a symbolic link");
    }
    return link.target;
  }

  /**
   * Makes a directory, a regular file or a fifo (mode's type bits say which; the permission bits
   * are the caller's, umask applied). In a set-group-id directory the new inode takes the
   * directory's group, and a new directory keeps the bit.
   */
  public Attributes make(long parent, String name, int mode, int uid, int gid, long nowNanos)
      throws FsError {
    int type = mode & S_IFMT;
    if (type != S_IFDIR && type != S_IFREG && type != S_IFIFO) {
      throw new FsError(FsError.EPERM, "no inodes of type " + Integer.toOctalString(type));
    }
    Node directory = directoryToAddTo(parent, name);
    if (type == S_IFDIR && directory.links >= LINKS_MAX) {
      throw new FsError(FsError.EMLINK, "directory " + parent + " has " + LINKS_MAX + " links");
    }
    Node node = add(directory, name, mode, uid, gid, nowNanos);
    if (type == S_IFDIR) {
      node.children = new TreeMap<>();
      node.parent = parent;
      node.links = 2;
      directory.links++;
      if ((directory.mode & S_ISGID) != 0) {
        node.mode |= S_ISGID;
      }
    }
    return node.attributes();
  }

  public Attributes symlink(
      long parent, String name, String target, int uid, int gid, long nowNanos) throws FsError {
    if (target.isEmpty()) {
      throw new FsError(FsError.ENOENT, "an empty symbolic link target");
    }
    Node directory = directoryToAddTo(parent, name);
    Node node = add(directory, name, S_IFLNK | 0777, uid, gid, nowNanos);
    node.target = target;
    node.size = target.length(); // One char per byte (see the class header).
    return node.attributes();
  }

  /** A new name for a file (not a directory: EPERM, as link(2) gives). */
  public Attributes link(long inode, long parent, String name, long nowNanos) throws FsError {
    Node node = node(inode);
    if (node.isDirectory()) {
      throw new FsError(FsError.EPERM, "hard link to directory " + inode);
    }
    if (node.links >= LINKS_MAX) {
      throw new FsError(FsError.EMLINK, "inode " + inode + " has " + LINKS_MAX + " links");
    }
    if (node.links == 0) {
      throw new FsError(FsError.ENOENT, "inode " + inode + " was unlinked");
    }
    Node directory = directoryToAddTo(parent, name);
    directory.children.put(name, inode);
    touch(directory, nowNanos);
    node.links++;
    node.changeNanos = nowNanos;
    return node.attributes();
  }

  public void unlink(long parent, String name, long nowNanos) throws FsError {
    Node directory = directory(parent);
    Node node = child(directory, name);
    if (node.isDirectory()) {
      throw new FsError(FsError.EISDIR, name + " is a directory");
    }
    directory.children.remove(name);
    touch(directory, nowNanos);
    dropLink(node, nowNanos);
  }

  public void rmdir(long parent, String name, long nowNanos) throws FsError {
    if (name.equals(".")) {
      throw new FsError(FsError.EINVAL, "rmdir of .");
    }
    Node directory = directory(parent);
    Node node = child(directory, name);
    if (!node.isDirectory()) {
      throw new FsError(FsError.ENOTDIR, name + " is not a directory");
    }
    if (!node.children.isEmpty()) {
      throw new FsError(FsError.ENOTEMPTY, name + " has " + node.children.size() + " names");
    }
    directory.children.remove(name);
    directory.links--;
    touch(directory, nowNanos);
    node.links = 0;
    node.changeNanos = nowNanos;
    forgetIfUnused(node);
  }

  /** renameat2(2): flags 0, RENAME_NOREPLACE or RENAME_EXCHANGE. */
  public void rename(
      long parent, String name, long newParent, String newName, int flags, long nowNanos)
      throws FsError {
    if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) != 0
        || flags == (RENAME_NOREPLACE | RENAME_EXCHANGE)) {
      throw new FsError(FsError.EINVAL, "rename flags " + flags);
    }
    checkName(newName);
    Node from = directory(parent);
    Node to = directory(newParent);
    Node source = child(from, name);
    Long existing = to.children.get(newName);
    if ((flags & RENAME_EXCHANGE) != 0) {
      if (existing == null) {
        throw new FsError(FsError.ENOENT, newName + " in directory " + newParent);
      }
      exchange(from, name, source, to, newName, nodes.get(existing), nowNanos);
      return;
    }
    if (source.isDirectory() && isWithin(to, source)) {
      throw new FsError(FsError.EINVAL, "a directory into itself: " + name + " under " + newName);
    }
    if (existing != null) {
      Node target = nodes.get(existing);
      if (target == source) {
        return; // Two names of one inode: rename(2) does nothing.
      }
      if ((flags & RENAME_NOREPLACE) != 0) {
        throw new FsError(FsError.EEXIST, newName + " exists");
      }
      if (source.isDirectory() && !target.isDirectory()) {
        throw new FsError(FsError.ENOTDIR, newName + " is not a directory");
      }
      if (!source.isDirectory() && target.isDirectory()) {
        throw new FsError(FsError.EISDIR, newName + " is a directory");
      }
      if (target.isDirectory()) {
        if (!target.children.isEmpty()) {
          throw new FsError(FsError.ENOTEMPTY, newName + " is not empty");
        }
        to.links--;
        target.links = 0;
        target.changeNanos = nowNanos;
        forgetIfUnused(target);
      } else {
        dropLink(target, nowNanos);
      }
    }
    from.children.remove(name);
    to.children.put(newName, source.inode);
    if (source.isDirectory() && from != to) {
      from.links--;
      to.links++;
      source.parent = to.inode;
    }
    source.changeNanos = nowNanos;
    touch(from, nowNanos);
    touch(to, nowNanos);
  }

  private void exchange(
      Node from, String name, Node source, Node to, String newName, Node target, long nowNanos)
      throws FsError {
    if ((source.isDirectory() && isWithin(to, source))
        || (target.isDirectory() && isWithin(from, target))) {
      throw new FsError(FsError.EINVAL, "an exchange that puts a directory inside itself");
    }
    from.children.put(name, target.inode);
    to.children.put(newName, source.inode);
    if (from != to) {
      moveDirectory(source, from, to);
      moveDirectory(target, to, from);
    }
    source.changeNanos = nowNanos;
    target.changeNanos = nowNanos;
    touch(from, nowNanos);
    touch(to, nowNanos);
  }

  private static void moveDirectory(Node node, Node from, Node to) {
    if (node.isDirectory()) {
      from.links--;
      to.links++;
      node.parent = to.inode;
    }
  }

  /** True if directory is node or lies under it. */
  private boolean isWithin(Node directory, Node node) {
    for (Node at = directory; ; at = nodes.get(at.parent)) {
      if (at == node) {
        return true;
      }
      if (at.inode == ROOT) {
        return false;
      }
    }
  }

  /** Changes attributes; a size on a directory is EISDIR, a negative one EINVAL. */
  public Attributes setAttributes(long inode, Changes changes, long nowNanos) throws FsError {
    Node node = node(inode);
    if (changes.size().isPresent()) {
      long size = changes.size().getAsLong();
      if (node.isDirectory()) {
        throw new FsError(FsError.EISDIR, "truncate of directory " + inode);
      }
      if (size < 0) {
        throw new FsError(FsError.EINVAL, "size " + size);
      }
      if ((node.mode & S_IFMT) != S_IFREG) {
        throw new FsError(FsError.EINVAL, "truncate of a file that is not regular");
      }
      node.size = size;
      node.modifyNanos = nowNanos;
    }
    changes.mode().ifPresent(mode -> node.mode = (node.mode & S_IFMT) | (mode & PERMISSION_BITS));
    changes.uid().ifPresent(uid -> node.uid = uid);
    changes.gid().ifPresent(gid -> node.gid = gid);
    changes.accessNanos().ifPresent(time -> node.accessNanos = time);
    changes.modifyNanos().ifPresent(time -> node.modifyNanos = time);
    node.changeNanos = nowNanos;
    return node.attributes();
  }

  /**
   * setxattr(2) of a user.* attribute: flags XATTR_CREATE (EEXIST if there) or XATTR_REPLACE
   * (ENODATA if not). Other namespaces are EOPNOTSUPP; user.* on a symbolic link or a fifo is
   * EPERM, as Linux allows it on regular files and directories only.
   */
  public void setXattr(long inode, String name, byte[] value, int flags, long nowNanos)
      throws FsError {
    Node node = xattrHolder(inode, name);
    if (value.length > XATTR_VALUE_BYTES_MAX) {
      throw new FsError(FsError.E2BIG, "an attribute value of " + value.length + " bytes");
    }
    boolean there = node.xattrs.containsKey(name);
    if ((flags & XATTR_CREATE) != 0 && there) {
      throw new FsError(FsError.EEXIST, "attribute " + name + " exists");
    }
    if ((flags & XATTR_REPLACE) != 0 && !there) {
      throw new FsError(FsError.ENODATA, "no attribute " + name);
    }
    node.xattrs.put(name, value.clone());
    node.changeNanos = nowNanos;
  }

  public byte[] getXattr(long inode, String name) throws FsError {
    Node node = node(inode);
    checkXattrName(name);
    byte[] value = node.xattrs.get(name);
    if (value == null) {
      throw new FsError(FsError.ENODATA, "no attribute " + name);
    }
    return value.clone();
  }

  /** The names of inode's extended attributes, in name order. */
  public List<String> listXattrs(long inode) throws FsError {
    return List.copyOf(node(inode).xattrs.keySet());
  }

  public void removeXattr(long inode, String name, long nowNanos) throws FsError {
    Node node = xattrHolder(inode, name);
    if (node.xattrs.remove(name) == null) {
      throw new FsError(FsError.ENODATA, "no attribute " + name);
    }
    node.changeNanos = nowNanos;
  }

  private Node xattrHolder(long inode, String name) throws FsError {
    Node node = node(inode);
    checkXattrName(name);
    int type = node.mode & S_IFMT;
    if (type != S_IFREG && type != S_IFDIR) {
      throw new FsError(FsError.EPERM, "user attributes on a file that is not regular");
    }
    return node;
  }

  /**
   * Refuses a name no file here can have: over 255 bytes (ERANGE), or outside user.* (EOPNOTSUPP).
   * Also asked by a node's mount before it goes to the state: the kernel asks for
   * security.capability before every write.
   */
  static void checkXattrName(String name) throws FsError {
    if (name.length() > XATTR_NAME_BYTES_MAX) {
      throw new FsError(FsError.ERANGE, "an attribute name of more than 255 bytes");
    }
    if (name.equals(USER_XATTR_PREFIX)) {
      throw new FsError(FsError.EINVAL, "an attribute name that is only the prefix user.");
    }
    if (!name.startsWith(USER_XATTR_PREFIX)) {
      throw new FsError(FsError.EOPNOTSUPP, "attribute " + name + ": only user.* are kept");
    }
  }

  /** Data was written up to end: the file grows to it if it was shorter; mtime and ctime move. */
  public Attributes written(long inode, long end, long nowNanos) throws FsError {
    Node node = node(inode);
    if ((node.mode & S_IFMT) != S_IFREG) {
      throw new FsError(FsError.EINVAL, "a write to inode " + inode + ", not a regular file");
    }
    node.size = Math.max(node.size, end);
    node.modifyNanos = nowNanos;
    node.changeNanos = nowNanos;
    return node.attributes();
  }

  public void open(long inode) throws FsError {
    node(inode).opens++;
  }

  /** The last release of an inode no name is left to frees it. */
  public void release(long inode) throws FsError {
    Node node = node(inode);
    if (node.opens == 0) {
      throw new IllegalStateException("release of inode " + inode + ", which is not open");
    }
    node.opens--;
    forgetIfUnused(node);
  }

  /** The inodes freed since the last call, whose data may go. */
  public List<Long> drainFreed() {
    List<Long> drained = List.copyOf(freed);
    freed.clear();
    return drained;
  }

  /** The whole namespace, for a snapshot: every inode, in inode order. */
  public NamespaceImage image() {
    NamespaceImage.Builder image = NamespaceImage.newBuilder().setNextInode(nextInode);
    nodes.values().stream()
        .sorted(Comparator.comparingLong(node -> node.inode))
        .forEach(
            node -> {
              InodeImage.Builder inode =
                  InodeImage.newBuilder()
                      .setAttributes(node.attributes().image())
                      .setRdev(node.rdev)
                      .setParent(node.parent)
                      .setOpens(node.opens);
              if (node.target != null) {
                inode.setTarget(node.target);
              }
              if (node.children != null) {
                node.children.forEach(
                    (name, child) ->
                        inode.addChildren(
                            DirectoryEntry.newBuilder()
                                .setName(name)
                                .setInode(child)
                                .setType(nodes.get(child).mode & S_IFMT)));
              }
              node.xattrs.forEach(
                  (name, value) -> inode.putXattrs(name, ByteString.copyFrom(value)));
              image.addInodes(inode);
            });
    return image.build();
  }

  /** The namespace a snapshot's image holds. */
  public static Namespace of(NamespaceImage image) {
    Namespace namespace = new Namespace(0, 0, 0, 0);
    namespace.nodes.clear();
    for (InodeImage inode : image.getInodesList()) {
      org.onefold.proto.fs.Attributes attributes = inode.getAttributes();
      Node node =
          new Node(
              attributes.getInode(),
              attributes.getMode(),
              attributes.getUid(),
              attributes.getGid(),
              0);
      node.links = attributes.getLinks();
      node.size = attributes.getSize();
      node.rdev = inode.getRdev();
      node.accessNanos = attributes.getAccessNanos();
      node.modifyNanos = attributes.getModifyNanos();
      node.changeNanos = attributes.getChangeNanos();
      node.parent = inode.getParent();
      node.opens = inode.getOpens();
      if (inode.hasTarget()) {
        node.target = inode.getTarget();
      }
      if (node.isDirectory()) {
        node.children = new TreeMap<>();
        for (DirectoryEntry child : inode.getChildrenList()) {
          node.children.put(child.getName(), child.getInode());
        }
      }
      inode.getXattrsMap().forEach((name, value) -> node.xattrs.put(name, value.toByteArray()));
      namespace.nodes.put(node.inode, node);
    }
    namespace.nextInode = image.getNextInode();
    return namespace;
  }

  /** How many inodes the namespace holds (those unlinked but open included). */
  public int inodes() {
    return nodes.size();
  }

  private Node add(Node directory, String name, int mode, int uid, int gid, long nowNanos) {
    int group = (directory.mode & S_ISGID) != 0 ? directory.gid : gid;
    Node node = new Node(nextInode++, mode, uid, group, nowNanos);
    node.links = 1;
    nodes.put(node.inode, node);
    directory.children.put(name, node.inode);
    touch(directory, nowNanos);
    return node;
  }

  private void dropLink(Node node, long nowNanos) {
    node.links--;
    node.changeNanos = nowNanos;
    forgetIfUnused(node);
  }

  private void forgetIfUnused(Node node) {
    if (node.links == 0 && node.opens == 0) {
      nodes.remove(node.inode);
      freed.add(node.inode);
    }
  }

  private static void touch(Node directory, long nowNanos) {
    directory.modifyNanos = nowNanos;
    directory.changeNanos = nowNanos;
  }

  private Node node(long inode) throws FsError {
    Node node = nodes.get(inode);
    if (node == null) {
      throw new FsError(FsError.ENOENT, "no inode " + inode);
    }
    return node;
  }

  private Node directory(long inode) throws FsError {
    Node node = node(inode);
    if (!node.isDirectory()) {
      throw new FsError(FsError.ENOTDIR, "inode " + inode + " is not a directory");
    }
    if (node.links == 0) {
      throw new FsError(FsError.ENOENT, "directory " + inode + " was removed");
    }
    return node;
  }

  private Node child(Node directory, String name) throws FsError {
    Long child = directory.children.get(name);
    if (child == null) {
      throw new FsError(FsError.ENOENT, name + " in directory " + directory.inode);
    }
    return nodes.get(child);
  }

  /** The directory parent, where name may be added: a valid name, not there yet. */
  private Node directoryToAddTo(long parent, String name) throws FsError {
    checkName(name);
    Node directory = directory(parent);
    if (name.equals(".") || name.equals("..") || directory.children.containsKey(name)) {
      throw new FsError(FsError.EEXIST, name + " exists in directory " + parent);
    }
    return directory;
  }

  private static void checkName(String name) throws FsError {
    if (name.isEmpty()) {
      throw new FsError(FsError.ENOENT, "an empty name");
    }
    if (name.length() > NAME_BYTES_MAX) {
      throw new FsError(FsError.ENAMETOOLONG, "a name of more than " + NAME_BYTES_MAX + " bytes");
    }
    if (name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
      throw new FsError(FsError.EINVAL, "a name with '/' or NUL: " + name);
    }
  }
}
