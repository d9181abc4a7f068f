// A real graphql-ws client (over the `ws` package) for live-tail tests: subscribes and
// collects what the gateway sends, and how the connection ended.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Received {
  /** `data` of every next message, in order. */
  items: Array<Record<string, any>>;
  /** Errors of next messages, and of an error message. */
  errors: Array<{ message: string; extensions?: Record<string, unknown> }>;
  /** How the subscription ended: completed, or the socket closed (code and reason). */
  ended: Promise<{ completed: true } | { code: number; reason: string }>;
  stop(): void;
}

export interface LiveClient {
  client: Client;
  subscribe(query: string, variables?: Record<string, unknown>): Received;
  close(): Promise<void>;
}

export function wsUrl(httpUrl: string): string {
  return httpUrl.replace(/^http/, 'ws');
}

export function liveClient(httpUrl: string, key: string | null): LiveClient {
  const client = createClient({
    url: wsUrl(httpUrl),
    webSocketImpl: WebSocket,
    connectionParams: key ? { authorization: `Bearer ${key}` } : {},
    retryAttempts: 0,
    shouldRetry: () => false,
    lazy: true,
  });
  return {
    client,
    subscribe(query, variables) {
      const items: Received['items'] = [];
      const errors: Received['errors'] = [];
      let stop = () => undefined as void;
      const ended = new Promise<Awaited<Received['ended']>>((resolve) => {
        stop = client.subscribe(
          { query, variables },
          {
            next: (result) => {
              if (result.data) items.push(result.data as Record<string, any>);
              if (result.errors) errors.push(...(result.errors as Received['errors']));
            },
            error: (error: unknown) => {
              if (Array.isArray(error)) {
                errors.push(...(error as Received['errors']));
                resolve({ completed: true });
              } else {
                const close = error as { code?: number; reason?: string };
                resolve({ code: close.code ?? 0, reason: String(close.reason ?? error) });
              }
            },
            complete: () => resolve({ completed: true }),
          },
        );
      });
      return { items, errors, ended, stop: () => stop() };
    },
    close: () => client.dispose() as Promise<void>,
  };
}
