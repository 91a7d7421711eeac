package org.onefold.bench;

/**
 * What the registry benchmark drives: a replicated key-value store reached through its own client
 * library. A store hands out sessions; one session is used by one thread at a time, so that "64 in
 * flight" means 64 sessions on 64 threads.
 */
interface KeyValueStore extends AutoCloseable {
  /** A short name for tables: "onefold" or "etcd". */
  String name();

  /** Where the sessions go, for the report (a socket path or a URL). */
  String endpoint();

  /** A new session for one thread. */
  Session openSession();

  @Override
  void close();

  /** One thread's way to the store. Calls block until the store has answered. */
  interface Session extends AutoCloseable {
    /** Writes value under key; returns once the write is committed. */
    void put(String key, byte[] value);

    /** A linearizable read of key; returns the value's length, or -1 if absent. */
    int get(String key);

    @Override
    void close();
  }
}
