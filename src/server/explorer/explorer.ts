// The explorers a browser gets. Apollo Sandbox stays the landing page on /graphql, and it
// loads from Apollo's CDN; many audit environments do not reach the internet, so GraphiQL is
// served on /graphiql with every asset from this process (the browser builds of the
// graphiql, react, react-dom and graphql-ws packages), with a header editor for the key,
// the schema's docs and subscriptions over graphql-ws. When the landing page cannot load
// Sandbox, it says so and opens GraphiQL instead of staying a dead page.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';

const require = createRequire(import.meta.url);
const packageFile = (pkg: string, file: string) => path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);

/** A file of this folder (the page, its script and style, the landing page's fallback). */
const own = (file: string) => readFileSync(new URL(file, import.meta.url));

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

function asset(body: string | Buffer, type: string): Asset {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return { body: bytes, type, etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 22)}"` };
}

/** GraphiQL's page may load only what this process serves, and talk only to this origin. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

export function createExplorer() {
  const js = 'text/javascript; charset=utf-8';
  const assets = new Map<string, Asset>([
    ['/graphiql', asset(own('index.html'), 'text/html; charset=utf-8')],
    ['/graphiql/app.js', asset(own('app.js'), js)],
    ['/graphiql/app.css', asset(own('app.css'), 'text/css; charset=utf-8')],
    ['/graphiql/sandbox-fallback.js', asset(own('sandbox-fallback.js'), js)],
    ['/graphiql/react.js', asset(readFileSync(packageFile('react', 'umd/react.production.min.js')), js)],
    ['/graphiql/react-dom.js', asset(readFileSync(packageFile('react-dom', 'umd/react-dom.production.min.js')), js)],
    ['/graphiql/graphql-ws.js', asset(readFileSync(packageFile('graphql-ws', 'umd/graphql-ws.min.js')), js)],
    ['/graphiql/graphiql.js', asset(readFileSync(packageFile('graphiql', 'graphiql.min.js')), js)],
    ['/graphiql/graphiql.css', asset(readFileSync(packageFile('graphiql', 'graphiql.min.css')), 'text/css; charset=utf-8')],
  ]);

  return {
    /** Whether the path is the explorer's. */
    owns: (pathname: string) => pathname === '/graphiql' || pathname.startsWith('/graphiql/'),

    /** Answers a request for one of its paths. */
    serve(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): void {
      const found = assets.get(pathname === '/graphiql/' ? '/graphiql' : pathname);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if (!found) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`no file ${pathname}; GraphiQL is at /graphiql`);
        return;
      }
      const headers: http.OutgoingHttpHeaders = { 'content-type': found.type, etag: found.etag, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' };
      if (found.type.startsWith('text/html')) headers['content-security-policy'] = CSP;
      if (req.headers['if-none-match'] === found.etag) {
        res.writeHead(304, headers).end();
        return;
      }
      res.writeHead(200, { ...headers, 'content-length': found.body.length });
      res.end(req.method === 'HEAD' ? undefined : found.body);
    },

    /**
     * Apollo's Sandbox landing page with our fallback script first in its head (from this
     * origin, which the page's Content-Security-Policy allows: script-src 'self').
     */
    withFallback<C extends BaseContext>(landingPage: ApolloServerPlugin<C>): ApolloServerPlugin<C> {
      return {
        ...landingPage,
        async serverWillStart(service) {
          const listener = await landingPage.serverWillStart?.(service);
          if (!listener?.renderLandingPage) return listener;
          const renderLandingPage = listener.renderLandingPage.bind(listener);
          return {
            ...listener,
            async renderLandingPage() {
              const page = await renderLandingPage();
              const html = page.html;
              const inject = (text: string) => text.replace('<head>', '<head>\n    <script src="/graphiql/sandbox-fallback.js"></script>');
              return { ...page, html: typeof html === 'string' ? inject(html) : async () => inject(await html()) };
            },
          };
        },
      };
    },
  };
}

export type Explorer = ReturnType<typeof createExplorer>;
