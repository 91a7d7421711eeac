/**
 * The {@code ssi} command: the cluster's management tool for people and scripts.
 *
 * <p>Entry point: {@link org.onefold.cli.Ssi#main}. Each command is a picocli class of its own
 * ({@code ClusterCommand}, {@code RegistryGetCommand}, {@code UpCommand}, ...); what they print is
 * made by pure functions in the {@code *Format} classes, so that output can be tested without a
 * daemon. Commands reach their node only through the client library ({@link
 * org.onefold.client.OnefoldClient}).
 *
 * <p>Start-up time matters here (a person waits for every command): the command loads picocli,
 * protobuf and jackson-core only, never gRPC, Netty or databind. Everything runs on the main thread
 * except {@code up} and {@code down}, which wait for several daemons in parallel.
 */
package org.onefold.cli;
