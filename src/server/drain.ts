// Graceful drain of the HTTP server on shutdown: stop accepting connections, close the idle
// ones, let every request under way finish, and cut the rest off after the grace period.
// Apollo's own drain plugin ends every connection that has not emitted a `request` event
// yet, which cuts off a request whose headers are still arriving; Node's
// closeIdleConnections asks the HTTP parser, which knows a request has begun.
import type http from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';

export function drainHttpServer(server: http.Server, graceMs: number): ApolloServerPlugin {
  return {
    async serverWillStart() {
      return {
        async drainServer() {
          const closed = new Promise<void>((resolve) => server.close(() => resolve()));
          // Keep-alive connections become idle as their last response finishes.
          server.closeIdleConnections();
          const sweep = setInterval(() => server.closeIdleConnections(), 25);
          const deadline = setTimeout(() => server.closeAllConnections(), graceMs);
          try {
            await closed;
          } finally {
            clearInterval(sweep);
            clearTimeout(deadline);
          }
        },
      };
    },
  };
}
