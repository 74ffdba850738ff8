import http from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";

/** One scripted answer. */
export interface HttpReply {
  /** @default 200 */
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  /** Answer only after this many milliseconds (a slow backend). */
  delayMs?: number;
  /** Close the connection without answering. */
  hangUp?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/**
 * A route: one reply for every request, a list played in order and then repeated (so
 * `[{ status: 200 }, { status: 503 }]` flaps), or a function of the request.
 */
export type HttpRoute = HttpReply | HttpReply[] | ((req: RecordedRequest, n: number) => HttpReply | Promise<HttpReply>);

export interface TestHttpServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Script the answers for a path (exact match, query ignored). Unknown paths answer 404. */
  route(path: string, route: HttpRoute): void;
  /** How many requests a path has had. */
  hits(path: string): number;
  /** Resolves when the next request for `path` arrives (before it is answered). */
  nextRequest(path: string): Promise<RecordedRequest>;
  close(): Promise<void>;
}

/** Start an HTTP (or, with `tls`, HTTPS) server on 127.0.0.1 and a free port, scripted per test. */
export async function startHttpServer(opts: { tls?: { key: string; cert: string } } = {}): Promise<TestHttpServer> {
  const routes = new Map<string, HttpRoute>();
  const counts = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const waiters: { path: string; resolve: (r: RecordedRequest) => void }[] = [];

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = (req.url ?? "/").split("?")[0]!;
      const recorded: RecordedRequest = { method: req.method ?? "GET", path, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      requests.push(recorded);
      for (const w of waiters.filter((x) => x.path === path)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(recorded);
      }
      const n = counts.get(path) ?? 0;
      counts.set(path, n + 1);
      void Promise.resolve(pick(routes.get(path), recorded, n)).then((reply) => {
        const send = () => {
          if (reply.hangUp) return req.socket.destroy();
          res.writeHead(reply.status ?? 200, { "content-type": "text/plain", ...reply.headers });
          res.end(reply.body ?? "");
        };
        if (!reply.delayMs) return send();
        const t = setTimeout(() => {
          timers.delete(t);
          if (!res.destroyed) send();
        }, reply.delayMs);
        timers.add(t);
      });
    });
  };

  const server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${opts.tls ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    requests,
    route: (path, route) => void routes.set(path, route),
    hits: (path) => counts.get(path) ?? 0,
    nextRequest: (path) => new Promise((resolve) => waiters.push({ path, resolve })),
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function pick(route: HttpRoute | undefined, req: RecordedRequest, n: number): HttpReply | Promise<HttpReply> {
  if (route === undefined) return { status: 404, body: "no route" };
  if (typeof route === "function") return route(req, n);
  if (Array.isArray(route)) return route[n % route.length]!;
  return route;
}
