/**
 * The {@code ssi} command: the cluster's management tool for people and scripts.
 *
 * <p>Entry point: {@link org.onefold.cli.Ssi#main}. Each command is a plain class of its own
 * ({@code ClusterCommand}, {@code RegistryGetCommand}, {@code UpCommand}, ...) that declares its
 * options and parameters in a {@link org.onefold.cli.Syntax} and then runs; {@link
 * org.onefold.cli.Parser} reads the command line against those syntaxes and {@link
 * org.onefold.cli.Help} prints them. To add a command, write such a class and name it in {@link
 * org.onefold.cli.Ssi#syntax}. What commands print is made by pure functions in the {@code *Format}
 * classes, so that output can be tested without a daemon. Commands reach their node only through
 * the client library ({@link org.onefold.client.OnefoldClient}).
 *
 * <p>Start-up time matters here (a person waits for every command, and {@code ssi onnode 2 true}
 * should cost a third of an ssh connection): the command line is parsed without reflection or
 * annotations, only the command named on the line is constructed, and a command loads protobuf and
 * the client only when it talks to a node, jackson-core only for {@code --json}; never gRPC, Netty
 * or databind. {@code bin/ssi} runs on a JDK AOT cache made at build time (see {@code
 * docs/decisions.md}). Everything runs on the main thread except {@code up}, {@code down} and
 * {@code onall}, which wait for several daemons or runs in parallel, and {@code onnode}, which
 * carries stdin on a thread of its own.
 */
package org.onefold.cli;
