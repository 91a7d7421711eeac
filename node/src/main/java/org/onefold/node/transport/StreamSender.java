package org.onefold.node.transport;

import io.grpc.stub.CallStreamObserver;
import java.io.InterruptedIOException;

/**
 * Sends on one side of a gRPC stream from any number of threads, one message at a time, and only
 * when the transport is ready for more: a sender blocks while gRPC's outbound buffer is full, so
 * that a slow reader slows the writer down instead of filling memory (back-pressure).
 *
 * <p>Create it where gRPC allows an on-ready handler (in a service method, or a client's
 * beforeStart), since it installs one. Threads: {@link #send} and {@link #complete} from any
 * thread, serialized by this object's monitor; gRPC calls {@link #ready} and {@link #cancelled}.
 */
public final class StreamSender<T> {
  private static final long READY_RECHECK_MILLIS = 50;

  private final CallStreamObserver<T> stream;

  /** Guarded by this. */
  private boolean ended;

  public StreamSender(CallStreamObserver<T> stream) {
    this.stream = stream;
    stream.setOnReadyHandler(this::ready);
  }

  private synchronized void ready() {
    notifyAll();
  }

  /** The call ended under us (cancelled, failed): senders stop waiting and fail. */
  public synchronized void cancelled() {
    ended = true;
    notifyAll();
  }

  /**
   * Sends message once the stream is ready; fails if the call has ended. Interrupting the sender
   * ends its wait.
   */
  public synchronized void send(T message) throws InterruptedIOException {
    while (!ended && !stream.isReady()) {
      try {
        // The on-ready callback wakes us; the bound re-checks readiness should that callback be
        // held up behind another of the call's callbacks.
        wait(READY_RECHECK_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while the peer was not reading");
      }
    }
    if (ended) {
      throw new InterruptedIOException("the call has ended");
    }
    stream.onNext(message);
  }

  /** Ends the stream well, once; later sends fail. */
  public synchronized void complete() {
    if (!ended) {
      ended = true;
      stream.onCompleted();
      notifyAll();
    }
  }

  /** Ends the stream with an error, once. */
  public synchronized void fail(Throwable error) {
    if (!ended) {
      ended = true;
      stream.onError(error);
      notifyAll();
    }
  }
}
