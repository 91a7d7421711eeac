package org.onefold.node.transport;

import java.io.IOException;

/**
 * Serves one local connection on that connection's own thread. When it returns or throws, the
 * server closes the connection.
 */
@FunctionalInterface
public interface ConnectionHandler {
  void serve(LocalConnection connection) throws IOException;
}
