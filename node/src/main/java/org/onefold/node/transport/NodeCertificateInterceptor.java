package org.onefold.node.transport;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Decides, per call, whether the caller is a node, and which. The node gRPC server asks for client
 * certificates but does not require them (so that a machine without a certificate can call Join);
 * this interceptor is where "required" is enforced for every other method.
 *
 * <p>TLS has already verified any certificate the peer presented against the cluster CA (a
 * certificate from another CA fails the handshake), so a peer certificate in the session is a
 * verified one. The interceptor refuses a call without one with UNAUTHENTICATED (except to the
 * exempt methods) and otherwise puts the caller's node number, from CN=node-N, into the gRPC {@link
 * Context} under {@link #CALLER_NODE}; an exempt method called by a node still sees who it is.
 * Stateless, so one instance serves every call.
 *
 * <p>A client holding a certificate of another CA usually does not even send it: the server lists
 * the cluster CA as the one acceptable issuer, and TLS clients choose their certificate by that
 * list. Such a caller therefore looks certificate-less and is refused here; one that sends a
 * foreign certificate anyway fails the handshake.
 */
public final class NodeCertificateInterceptor implements ServerInterceptor {
  /** The calling node's number; set for every call whose peer presented a node certificate. */
  public static final Context.Key<Integer> CALLER_NODE = Context.key("onefold-caller-node");

  private final Set<String> methodsWithoutCertificate;

  /**
   * @param methodsWithoutCertificate full gRPC method names (e.g. "onefold.node.NodeRpc/Join") that
   *     may be called without a node certificate
   */
  public NodeCertificateInterceptor(Set<String> methodsWithoutCertificate) {
    this.methodsWithoutCertificate = Set.copyOf(methodsWithoutCertificate);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    boolean certificateRequired = !methodsWithoutCertificate.contains(method);
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    X509Certificate leaf = session == null ? null : peerCertificate(session);
    if (leaf == null) {
      return certificateRequired
          ? refuse(call, method + " needs a node certificate; the peer sent none")
          : next.startCall(call, headers);
    }
    int node;
    try {
      node = NodeIdentity.nodeNumberOf(leaf);
    } catch (CertificateException e) {
      return refuse(call, method + " needs a node certificate: " + e.getMessage());
    }
    Context context = Context.current().withValue(CALLER_NODE, node);
    return Contexts.interceptCall(context, call, headers, next);
  }

  /** The verified leaf certificate of the peer, or null if it presented none. */
  private static X509Certificate peerCertificate(SSLSession session) {
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate leaf ? leaf : null;
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, String reason) {
    call.close(Status.UNAUTHENTICATED.withDescription(reason), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
