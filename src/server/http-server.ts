// The HTTP front: /graphql (Apollo), /healthz, /readyz. Node's own http module; Apollo is
// called through its documented integration API (executeHTTPGraphQLRequest).
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest } from '@apollo/server';
import { ErrorCode } from '../errors/codes.js';
import { invalidUtf8, mayHoldUnpairedSurrogate, unpairedSurrogates } from '../errors/unicode.js';
import { isRefusal, type Refusal } from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';
import type { Logger } from '../logging/logger.js';
import { RequestLog } from '../logging/request-log.js';
import type { ContextRequest, RequestContext } from './context.js';
import type { Explorer } from './explorer/explorer.js';
import type { PreparedPath } from './prepared-path.js';

export interface Readiness {
  ready: boolean;
  reason?: string;
}

export interface HttpHandlerOptions {
  log: Logger;
  bodyLimitBytes: number;
  /** Most operations in one batched request (a JSON array of operations). */
  maxBatch: number;
  getApollo(): ApolloServer<RequestContext>;
  /** The principal of a request (its API key), or why it is refused; counts `operations` against the key's rate. */
  identify(req: http.IncomingMessage, operations: number): Promise<Principal | Refusal>;
  createContext(request: ContextRequest): Promise<RequestContext>;
  readiness(): Promise<Readiness>;
  /** Runs operations Apollo has accepted before without its pipeline (see prepared-path.ts). */
  preparedPath?: PreparedPath;
  /** GraphiQL on /graphiql (absent where the landing page is off). */
  explorer?: Explorer;
}

/** Responses the prepared path gave (the request log says so). */
const preparedAnswers = new WeakSet<http.ServerResponse>();

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** On a request from another origin (it sends Origin): what a browser lets the page read. */
const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'x-request-id, retry-after',
};
/** On the answer to a browser's preflight (OPTIONS with Origin): what it may send, for how long. */
const PREFLIGHT_HEADERS = {
  ...CORS_HEADERS,
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type, apollo-require-preflight, x-apollo-operation-name, x-request-id',
  'access-control-max-age': '600',
};

const GONE = new Set(['EPIPE', 'ECONNRESET', 'ECONNABORTED', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END', 'ERR_STREAM_PREMATURE_CLOSE']);

/** Whether `error` is only the client having closed its connection. */
function clientWentAway(req: http.IncomingMessage, res: http.ServerResponse, error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return (code !== undefined && GONE.has(code)) || req.socket.destroyed || (res.destroyed && !res.writableFinished);
}

function pathOf(url: string | undefined): string {
  const at = url?.indexOf('?') ?? -1;
  return at < 0 ? (url ?? '/') : url!.slice(0, at);
}

export function createRequestHandler(options: HttpHandlerOptions): http.RequestListener {
  const { log: rootLog } = options;
  return (req, res) => {
    const started = process.hrtime.bigint();
    const incoming = req.headers['x-request-id'];
    const request = new RequestLog(rootLog, typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID());
    res.setHeader('x-request-id', request.requestId);
    if (rootLog.isLevelEnabled('info')) {
      res.on('finish', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        // The path only: a query string may carry variables (secrets, keys) as they were sent.
        const answer = { method: req.method, path: pathOf(req.url), status: res.statusCode, ms: Math.round(ms * 100) / 100 };
        request.log.info(preparedAnswers.has(res) ? { ...answer, prepared: true } : answer, 'request');
      });
    }
    route(req, res, request, options).catch((error: unknown) => {
      // A client that went away mid-request or mid-answer is not a fault of ours.
      if (clientWentAway(req, res, error)) {
        request.log.debug({ code: (error as NodeJS.ErrnoException).code }, 'the client went away before the answer was sent');
        res.destroy();
        return;
      }
      const errorId = randomUUID();
      request.log.error({ err: error, errorId }, 'request failed outside GraphQL');
      if (!res.headersSent) sendErrors(res, 500, ErrorCode.INTERNAL_SERVER_ERROR, `Internal server error (error id ${errorId})`, { errorId });
      else res.destroy();
    });
    // Writing to a socket the client closed fails there too; nothing to report.
    res.on('error', (error) => request.log.debug({ code: (error as NodeJS.ErrnoException).code }, 'the client went away before the answer was sent'));
  };
}

async function route(req: http.IncomingMessage, res: http.ServerResponse, request: RequestLog, options: HttpHandlerOptions): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://gateway');
  switch (url.pathname) {
    case '/healthz':
      return sendJson(res, 200, { status: 'ok' });
    case '/readyz': {
      const readiness = await options.readiness();
      return sendJson(res, readiness.ready ? 200 : 503, readiness.ready ? { status: 'ready' } : { status: 'unavailable', reason: readiness.reason });
    }
    case '/':
      res.writeHead(302, { location: '/graphql' });
      res.end();
      return;
    case '/graphql':
      return handleGraphQL(req, res, url, request, options);
    default:
      if (options.explorer?.owns(url.pathname)) return options.explorer.serve(req, res, url.pathname);
      return sendErrors(res, 404, ErrorCode.NOT_FOUND, `no resource at ${url.pathname}; GraphQL is served at /graphql`);
  }
}

async function handleGraphQL(req: http.IncomingMessage, res: http.ServerResponse, url: URL, request: RequestLog, options: HttpHandlerOptions): Promise<void> {
  if (req.headers.origin !== undefined) {
    for (const [name, value] of Object.entries(req.method === 'OPTIONS' ? PREFLIGHT_HEADERS : CORS_HEADERS)) res.setHeader(name, value);
  }
  if (req.method === 'OPTIONS') {
    res.writeHead(204);
    res.end();
    return;
  }
  if (req.method !== 'GET' && req.method !== 'POST') {
    res.setHeader('allow', 'GET, POST, OPTIONS');
    return sendErrors(res, 405, ErrorCode.BAD_REQUEST, `method ${req.method} is not allowed; use GET or POST`);
  }

  const raw = await readBody(req, options.bodyLimitBytes);
  if (raw === 'too-large') {
    res.setHeader('connection', 'close');
    return sendErrors(res, 413, ErrorCode.PAYLOAD_TOO_LARGE, `the request body exceeds ${options.bodyLimitBytes} bytes`);
  }
  let body: unknown = undefined;
  const contentType = String(req.headers['content-type'] ?? '').toLowerCase();
  const badText = req.method === 'POST' ? invalidUtf8(raw) : null;
  if (badText) {
    const field = badText.field ?? 'body';
    const reason = `is not valid UTF-8 (the request body's byte ${badText.byte} starts a sequence that is not UTF-8); send text as UTF-8`;
    return sendErrors(res, 400, ErrorCode.BAD_USER_INPUT, `${field}: ${reason}`, { field, reason, byte: badText.byte });
  }
  if (req.method === 'POST') {
    if (contentType.startsWith('application/json') || contentType.startsWith('application/graphql-response+json')) {
      try {
        body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
      } catch {
        return sendErrors(res, 400, ErrorCode.BAD_REQUEST, 'the request body is not valid JSON');
      }
    } else {
      body = raw.toString('utf8');
    }
  }

  const operations = Array.isArray(body) ? body.length : 1;
  if (operations > options.maxBatch) {
    return sendErrors(res, 400, ErrorCode.QUERY_TOO_COMPLEX, `the batch holds ${operations} operations; at most ${options.maxBatch} are allowed per request`, { limit: 'operations' });
  }
  const identity = await options.identify(req, operations);
  if (isRefusal(identity)) {
    for (const [name, value] of Object.entries(identity.headers ?? {})) res.setHeader(name, value);
    return sendErrors(res, identity.status, identity.code, identity.message, identity.extensions);
  }
  const principal = identity;
  if (body && typeof body === 'object' && mayHoldUnpairedSurrogate(raw)) {
    const issues = (Array.isArray(body) ? body : [body]).flatMap((operation) => unpairedSurrogates((operation as { variables?: unknown } | null)?.variables));
    if (issues.length) {
      const { field, reason } = issues[0]!;
      const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
      return sendErrors(res, 400, ErrorCode.BAD_USER_INPUT, `${field}: ${reason}${more}`, { field, reason, issues });
    }
  }
  request.identify(principal);
  let context: RequestContext | undefined;

  const prepared = options.preparedPath?.match(req, body);
  if (prepared) {
    context = await options.createContext({ requestId: request.requestId, logs: request, principal });
    const text = await options.preparedPath!.run(prepared, context);
    if (text !== null) {
      preparedAnswers.add(res);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
  }

  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const httpGraphQLRequest: HTTPGraphQLRequest = { method: req.method, headers, search: url.search, body };
  const response = await options.getApollo().executeHTTPGraphQLRequest({
    httpGraphQLRequest,
    context: async () => context ?? options.createContext({ requestId: request.requestId, logs: request, principal }),
  });

  for (const [name, value] of response.headers) res.setHeader(name, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      resolve('too-large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', (error) => {
      if (!done) reject(error);
    });
  });
}

export function sendJson(res: http.ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendErrors(
  res: http.ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
): void {
  sendJson(res, status, { errors: [{ message, extensions: { code, ...extensions } }] });
}
