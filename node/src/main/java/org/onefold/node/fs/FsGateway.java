package org.onefold.node.fs;

import java.io.IOException;
import org.onefold.proto.fs.FsCommand;
import org.onefold.proto.fs.FsQuery;
import org.onefold.proto.fs.FsReply;

/**
 * The way to the filesystem's state from a node: changes go in log order, reads are answered as of
 * a point no earlier than the last change this node saw acknowledged. An {@link IOException} says
 * the state could not be reached (no quorum); an operation's own failure is the reply's errno.
 */
public interface FsGateway {
  FsReply change(FsCommand command) throws IOException;

  FsReply read(FsQuery query) throws IOException;

  /** The state in this process, one operation at a time: one node's filesystem, and tests. */
  static FsGateway direct(FsState state) {
    return new FsGateway() {
      @Override
      public synchronized FsReply change(FsCommand command) {
        return state.apply(command);
      }

      @Override
      public synchronized FsReply read(FsQuery query) {
        return state.query(query);
      }
    };
  }
}
