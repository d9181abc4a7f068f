// A real HTTP server that receives webhook deliveries: it keeps every request (raw body
// included, for the signature check) and answers as the test says, per path.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: { target: { id: string; name: string }; deliveries: Array<{ id: string; event: Record<string, any> }> };
  at: number;
}

/** A status code to answer with, or 'hang' to never answer. */
export type Answer = number | 'hang';

export interface Receiver {
  url(path: string): string;
  requests: ReceivedRequest[];
  /** How to answer the next requests to `path` (default 200). */
  answer(path: string, fn: (request: ReceivedRequest, count: number) => Answer): void;
  received(path: string): ReceivedRequest[];
  /** The event ids received at `path`, each once. */
  eventIds(path: string): Set<string>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const answers = new Map<string, (request: ReceivedRequest, count: number) => Answer>();
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      let body: ReceivedRequest['body'];
      try {
        body = JSON.parse(raw);
      } catch {
        res.writeHead(400).end('not JSON');
        return;
      }
      const request = { path, headers: req.headers, raw, body, at: Date.now() };
      requests.push(request);
      const answer = answers.get(path)?.(request, requests.filter((r) => r.path === path).length) ?? 200;
      if (answer === 'hang') {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'ok' : `refused with ${answer}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const received = (path: string) => requests.filter((r) => r.path === path);
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    requests,
    answer: (path, fn) => answers.set(path, fn),
    received,
    eventIds: (path) => new Set(received(path).flatMap((r) => r.body.deliveries.map((d) => d.event.id as string))),
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
