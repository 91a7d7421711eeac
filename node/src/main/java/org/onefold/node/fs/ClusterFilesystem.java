package org.onefold.node.fs;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.onefold.node.fs.fuse.FuseException;
import org.onefold.node.fs.fuse.FuseFilesystem;
import org.onefold.proto.fs.FsCommand;
import org.onefold.proto.fs.FsQuery;
import org.onefold.proto.fs.FsReply;
import org.onefold.proto.fs.GetXattr;
import org.onefold.proto.fs.Link;
import org.onefold.proto.fs.Lookup;
import org.onefold.proto.fs.Make;
import org.onefold.proto.fs.Read;
import org.onefold.proto.fs.RemoveXattr;
import org.onefold.proto.fs.Rename;
import org.onefold.proto.fs.Rmdir;
import org.onefold.proto.fs.SetAttributes;
import org.onefold.proto.fs.SetXattr;
import org.onefold.proto.fs.Symlink;
import org.onefold.proto.fs.Unlink;
import org.onefold.proto.fs.Write;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CFS as a node's FUSE mount serves it: each operation the kernel asks for becomes an {@link
 * FsCommand} (a change, stamped with this node's clock) or an {@link FsQuery} (a read) to the
 * filesystem's state through an {@link FsGateway}: the state in this process ({@link
 * FsGateway#direct}) on one node, the filesystem group's log on a cluster. A refusal's errno goes
 * to the kernel as it is; a state that cannot be reached is EIO.
 *
 * <p>Threads: called by the mount's reader threads at once; the gateway orders the operations.
 */
public final class ClusterFilesystem implements FuseFilesystem {
  private static final Logger log = LoggerFactory.getLogger(ClusterFilesystem.class);

  private static final int EIO = FsError.EIO;

  private final FsGateway gateway;
  private final InstantSource clock;
  private final Path dataDirectory;
  private final int node;
  private final Barrier beforeOpen;

  /**
   * How many opens this node's kernel holds per inode. The log hears of the first open (which keeps
   * an unlinked file alive for every node) and of the last release, not of those between. Each
   * count changes under its inode's stripe, with its log entry: an open never overtakes the release
   * before it.
   */
  private final Map<Long, Integer> localOpens = new ConcurrentHashMap<>();

  private final Object[] stripes = new Object[64];

  /** The writes answered before the log has them, and what waits for them. */
  private final WriteBehind writes;

  /**
   * What an open waits for, so that a file written and closed on another node is seen whole here
   * (close-to-open): returns once this node's kernel has been told of every change acknowledged
   * before the call.
   */
  public interface Barrier {
    /**
     * Returns once told; false if the name the kernel resolved to inode may no longer name it
     * (another node unlinked, renamed or replaced it since).
     */
    boolean await(long inode) throws IOException;

    /** The kernel was just given inode under a name (a lookup's or a new name's reply). */
    default void resolved(long inode) {}
  }

  /** One node's filesystem: no other node's changes to wait for. */
  public ClusterFilesystem(FsGateway gateway, InstantSource clock, Path dataDirectory) {
    this(gateway, clock, dataDirectory, 0, inode -> true);
  }

  /**
   * @param dataDirectory where this node keeps its replica of the data, for statfs
   * @param node this node's number, carried by its changes (the other nodes' kernels are told)
   * @param beforeOpen what an open waits for
   */
  public ClusterFilesystem(
      FsGateway gateway, InstantSource clock, Path dataDirectory, int node, Barrier beforeOpen) {
    this.gateway = gateway;
    this.clock = clock;
    this.dataDirectory = dataDirectory;
    this.node = node;
    this.beforeOpen = beforeOpen;
    this.writes = new WriteBehind(gateway);
    for (int k = 0; k < stripes.length; k++) {
      stripes[k] = new Object();
    }
  }

  /** command, stamped with this node's clock and number. */
  private FsCommand stamped(FsCommand.Builder command) {
    Instant now = clock.instant();
    return command
        .setTimeNanos(now.getEpochSecond() * 1_000_000_000L + now.getNano())
        .setNode(node)
        .build();
  }

  private FsReply change(FsCommand.Builder command) throws FuseException {
    try {
      return answered(gateway.change(stamped(command)));
    } catch (IOException e) {
      throw new FuseException(EIO, "the filesystem's state: " + e.getMessage());
    }
  }

  private FsReply read(FsQuery.Builder query) throws FuseException {
    try {
      return answered(gateway.read(query.build()));
    } catch (IOException e) {
      throw new FuseException(EIO, "the filesystem's state: " + e.getMessage());
    }
  }

  private static FsReply answered(FsReply reply) throws FuseException {
    if (reply.getErrno() != 0) {
      throw new FuseException(reply.getErrno(), reply.getMessage());
    }
    return reply;
  }

  private static Attributes shown(org.onefold.proto.fs.Attributes attributes) {
    return new Attributes(
        attributes.getInode(),
        attributes.getSize(),
        attributes.getMode(),
        attributes.getLinks(),
        attributes.getUid(),
        attributes.getGid(),
        attributes.getAccessNanos(),
        attributes.getModifyNanos(),
        attributes.getChangeNanos());
  }

  @Override
  public Attributes attributes(long inode) throws FuseException {
    writes.await(inode);
    return shown(read(FsQuery.newBuilder().setAttributes(inode)).getAttributes());
  }

  @Override
  public Attributes lookup(long parent, String name) throws FuseException {
    FsQuery.Builder lookup =
        FsQuery.newBuilder().setLookup(Lookup.newBuilder().setParent(parent).setName(name));
    Attributes found = shown(read(lookup).getAttributes());
    if (writes.writing(found.inode())) {
      // Its size must count what this node has written.
      writes.await(found.inode());
      found = shown(read(lookup).getAttributes());
    }
    beforeOpen.resolved(found.inode());
    return found;
  }

  @Override
  public List<DirectoryEntry> list(long inode) throws FuseException {
    return read(FsQuery.newBuilder().setList(inode)).getEntriesList().stream()
        .map(entry -> new DirectoryEntry(entry.getName(), entry.getInode(), entry.getType()))
        .toList();
  }

  @Override
  public byte[] read(long inode, long offset, int size) throws FuseException {
    writes.await(inode);
    return read(FsQuery.newBuilder()
            .setReadData(Read.newBuilder().setInode(inode).setOffset(offset).setSize(size)))
        .getData()
        .toByteArray();
  }

  @Override
  public int write(long inode, long offset, byte[] data) throws FuseException {
    return write(inode, offset, data, 0);
  }

  /** With O_APPEND, the data goes at the file's end as the log orders every node's appends. */
  @Override
  public int write(long inode, long offset, byte[] data, int flags) throws FuseException {
    writes.write(
        inode,
        stamped(
            FsCommand.newBuilder()
                .setWrite(
                    Write.newBuilder()
                        .setInode(inode)
                        .setOffset(offset)
                        .setAppend((flags & O_APPEND) != 0)
                        .setData(com.google.protobuf.UnsafeByteOperations.unsafeWrap(data)))),
        data.length);
    return data.length;
  }

  /** fsync(2): every write of inode is in the log (on a majority); a failed one is reported. */
  @Override
  public void fsync(long inode) throws FuseException {
    writes.awaitReported(inode);
  }

  /** close(2) of a descriptor: as fsync, so that the next open anywhere sees the writes. */
  @Override
  public void flush(long inode) throws FuseException {
    writes.awaitReported(inode);
  }

  @Override
  public int open(long inode, int flags) throws FuseException {
    boolean named;
    try {
      named = beforeOpen.await(inode);
    } catch (IOException e) {
      throw new FuseException(EIO, "the filesystem's state: " + e.getMessage());
    }
    synchronized (stripe(inode)) {
      int held = localOpens.getOrDefault(inode, 0);
      if (!named && held == 0) {
        // The kernel resolved a name another node has since unlinked or replaced; ESTALE makes it
        // walk the path again, asking for each name afresh.
        throw new FuseException(FsError.ESTALE, "inode " + inode + " is no longer named");
      }
      if (held == 0) {
        try {
          change(FsCommand.newBuilder().setOpen(inode));
        } catch (FuseException e) {
          if (e.errno() != FsError.ENOENT) {
            throw e;
          }
          // Gone since the kernel resolved its name (the barrier's replica was behind): a stale
          // name, which the kernel looks up again.
          throw new FuseException(FsError.ESTALE, "inode " + inode + " is gone");
        }
      }
      localOpens.put(inode, held + 1);
    }
    return openFlags(flags);
  }

  @Override
  public void release(long inode) throws FuseException {
    try {
      writes.await(inode);
    } catch (FuseException e) {
      // The release goes on: the count must drop whatever the writes came to.
      log.warn("release of inode {} with writes unfinished: {}", inode, e.getMessage());
    }
    synchronized (stripe(inode)) {
      Integer held = localOpens.get(inode);
      if (held == null) {
        return; // Never opened through this mount: the log holds no open of ours.
      }
      if (held > 1) {
        localOpens.put(inode, held - 1);
        return;
      }
      localOpens.remove(inode);
      // Not waited for: close(2) does not wait for a release, and the next open of the inode
      // follows it through the same ordered stream. A release the log never took leaves an
      // unlinked file's data until the cluster restarts: said, not hidden.
      gateway
          .sender()
          .send(stamped(FsCommand.newBuilder().setRelease(inode)))
          .whenComplete(
              (reply, failure) -> {
                if (failure != null || reply.getErrno() != 0) {
                  log.warn(
                      "release of inode {} not taken: {}",
                      inode,
                      failure != null ? failure.getMessage() : reply.getMessage());
                }
              });
    }
  }

  /**
   * How the kernel treats an open file: an appending file's data lands where the log puts it, which
   * the kernel cannot know, so it keeps no pages of it (direct I/O).
   */
  private static int openFlags(int flags) {
    return (flags & O_APPEND) != 0 ? DIRECT_IO : 0;
  }

  /** The lock that orders the opens and releases of inode (and of the inodes sharing it). */
  private Object stripe(long inode) {
    return stripes[(int) Math.floorMod(inode, (long) stripes.length)];
  }

  @Override
  public Attributes make(Caller caller, long parent, String name, int mode) throws FuseException {
    return shown(
        change(FsCommand.newBuilder().setMake(making(caller, parent, name, mode))).getAttributes());
  }

  /** One entry: the file is made open, and this node holds its first open. */
  @Override
  public Created create(Caller caller, long parent, String name, int mode, int flags)
      throws FuseException {
    Attributes made;
    try {
      made =
          shown(
              change(
                      FsCommand.newBuilder()
                          .setMake(making(caller, parent, name, mode).setOpen(true)))
                  .getAttributes());
    } catch (FuseException e) {
      if (e.errno() != FsError.EEXIST || (flags & O_EXCL) != 0) {
        throw e;
      }
      // Another node made the name since the kernel looked it up: open(2) without O_EXCL opens
      // what is there, as it would have had the kernel known.
      Attributes there = lookup(parent, name);
      if ((there.mode() & Namespace.S_IFMT) == Namespace.S_IFDIR) {
        throw new FuseException(FsError.EISDIR, name + " is a directory");
      }
      return new Created(there, open(there.inode(), flags));
    }
    beforeOpen.resolved(made.inode());
    synchronized (stripe(made.inode())) {
      localOpens.merge(made.inode(), 1, Integer::sum);
    }
    return new Created(made, openFlags(flags));
  }

  private static Make.Builder making(Caller caller, long parent, String name, int mode) {
    return Make.newBuilder()
        .setParent(parent)
        .setName(name)
        .setMode(mode)
        .setUid(caller.uid())
        .setGid(caller.gid());
  }

  @Override
  public Attributes symlink(Caller caller, long parent, String name, String target)
      throws FuseException {
    return shown(
        change(
                FsCommand.newBuilder()
                    .setSymlink(
                        Symlink.newBuilder()
                            .setParent(parent)
                            .setName(name)
                            .setTarget(target)
                            .setUid(caller.uid())
                            .setGid(caller.gid())))
            .getAttributes());
  }

  @Override
  public String readlink(long inode) throws FuseException {
    return read(FsQuery.newBuilder().setReadlink(inode)).getText();
  }

  @Override
  public Attributes link(long inode, long parent, String name) throws FuseException {
    return shown(
        change(
                FsCommand.newBuilder()
                    .setLink(Link.newBuilder().setInode(inode).setParent(parent).setName(name)))
            .getAttributes());
  }

  @Override
  public void unlink(long parent, String name) throws FuseException {
    change(FsCommand.newBuilder().setUnlink(Unlink.newBuilder().setParent(parent).setName(name)));
  }

  @Override
  public void rmdir(long parent, String name) throws FuseException {
    change(FsCommand.newBuilder().setRmdir(Rmdir.newBuilder().setParent(parent).setName(name)));
  }

  @Override
  public void rename(long parent, String name, long newParent, String newName, int flags)
      throws FuseException {
    change(
        FsCommand.newBuilder()
            .setRename(
                Rename.newBuilder()
                    .setParent(parent)
                    .setName(name)
                    .setNewParent(newParent)
                    .setNewName(newName)
                    .setFlags(flags)));
  }

  @Override
  public Attributes setAttributes(long inode, Changes changes) throws FuseException {
    writes.await(inode);
    SetAttributes.Builder set = SetAttributes.newBuilder().setInode(inode);
    changes.mode().ifPresent(set::setMode);
    changes.uid().ifPresent(set::setUid);
    changes.gid().ifPresent(set::setGid);
    changes.size().ifPresent(set::setSize);
    changes.accessNanos().ifPresent(set::setAccessNanos);
    changes.modifyNanos().ifPresent(set::setModifyNanos);
    return shown(change(FsCommand.newBuilder().setSetAttributes(set)).getAttributes());
  }

  @Override
  public void setXattr(long inode, String name, byte[] value, int flags) throws FuseException {
    checkXattrName(name);
    change(
        FsCommand.newBuilder()
            .setSetXattr(
                SetXattr.newBuilder()
                    .setInode(inode)
                    .setName(name)
                    .setValue(com.google.protobuf.ByteString.copyFrom(value))
                    .setFlags(flags)));
  }

  @Override
  public byte[] getXattr(long inode, String name) throws FuseException {
    checkXattrName(name);
    return read(FsQuery.newBuilder()
            .setGetXattr(GetXattr.newBuilder().setInode(inode).setName(name)))
        .getData()
        .toByteArray();
  }

  @Override
  public List<String> listXattrs(long inode) throws FuseException {
    return read(FsQuery.newBuilder().setListXattrs(inode)).getNamesList();
  }

  @Override
  public void removeXattr(long inode, String name) throws FuseException {
    checkXattrName(name);
    change(
        FsCommand.newBuilder()
            .setRemoveXattr(RemoveXattr.newBuilder().setInode(inode).setName(name)));
  }

  /** A name the state would refuse is refused here, without a round trip. */
  private static void checkXattrName(String name) throws FuseException {
    try {
      Namespace.checkXattrName(name);
    } catch (FsError e) {
      throw new FuseException(e.errno(), e.getMessage());
    }
  }

  /**
   * The disk under dataDirectory (this node's replica of the data): its blocks of 4 KiB, total and
   * free. Inodes have no fixed count here, so files and free files are 0, as btrfs shows them.
   */
  @Override
  public Usage usage() {
    try {
      FileStore disk = Files.getFileStore(dataDirectory);
      return new Usage(disk.getTotalSpace() / 4096, disk.getUsableSpace() / 4096, 0, 0, 4096);
    } catch (IOException e) {
      return new Usage(0, 0, 0, 0, 4096);
    }
  }
}
