package dev.kernelj.llm.server;

import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** A server connector whose connections are {@link PeekingEndPoint}s. */
final class PeekingServerConnector extends ServerConnector {
  PeekingServerConnector(Server server, ConnectionFactory... factories) {
    super(server, factories);
  }

  @Override
  protected SocketChannelEndPoint newEndPoint(
      SocketChannel channel, ManagedSelector selector, SelectionKey key) {
    PeekingEndPoint endPoint =
        new PeekingEndPoint(channel, selector, key, getScheduler(), getExecutor());
    endPoint.setIdleTimeout(getIdleTimeout());
    return endPoint;
  }
}
