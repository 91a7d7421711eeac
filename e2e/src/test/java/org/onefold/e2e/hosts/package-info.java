/**
 * Test hosts for end-to-end tests: network namespaces on a private bridge with no route out, and
 * the means to start, pause, kill and cut off what runs on them.
 *
 * <p>Entry points: {@link org.onefold.e2e.hosts.TestHosts#create} and {@link
 * org.onefold.e2e.hosts.TestHosts#unavailableReason}. Needs root and iproute2; the tests here also
 * need ping (iputils-ping) and kill (procps).
 *
 * <p>Threads: any test thread may use a {@code TestHosts}; {@code close} is synchronized and also
 * runs from a JVM shutdown hook.
 */
package org.onefold.e2e.hosts;
