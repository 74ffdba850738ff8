import { readFile } from "node:fs/promises";
import http from "node:http";
import type { IncomingMessage } from "node:http";
import https from "node:https";
import { isAbsolute, resolve } from "node:path";
import { rootCertificates } from "node:tls";
import { abortError } from "./abort.js";
import { head } from "./bounded-output.js";
import { ActionError, ProbeFailedError, UnreachableError } from "./errors.js";
import { invalidSpec } from "./invalid-spec.js";
import { getJsonPath, jsonEquals, parseJsonPath } from "./json-path.js";
import type { Action, ActionContext, ActionOutput } from "./types.js";
import { durationMs, formatDuration } from "../model/common.js";
import type { HttpSpec } from "../model/runbook.js";

export interface HttpActionOptions {
  /** Per-request timeout when the spec gives none. @default 10000 */
  defaultTimeoutMs?: number;
  /** Bytes of the body read for the checks (contains, matches, json); the rest is discarded. @default 1048576 */
  maxBodyBytes?: number;
  /** Bytes of the body returned as `outputs.body`. @default 65536 */
  maxOutputBytes?: number;
}

/** Socket errors that mean the server was never reached: nothing was sent. */
const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL"]);
/** OpenSSL verification failures: the peer answered but cannot be trusted. */
const TLS_UNTRUSTED = /CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH/;

interface Reply {
  status: number;
  contentType: string;
  body: Buffer;
  truncated: boolean;
}

/**
 * The `http` action: one request, then checks on the answer (status, default any 2xx; body
 * `contains`; regex `matches`; a JSON field `equals`).
 *
 * - TLS is verified against the system CAs; `ca` adds a PEM file (relative to the project);
 *   `insecure: true` turns verification off.
 * - Every request uses a fresh connection (no keep-alive), so a health gate sees each
 *   backend's answer rather than a reused socket's; redirects are not followed (a 3xx is an
 *   answer: expect it by status).
 * - Classification: refused / unresolvable / connect timeout → UnreachableError; an answer
 *   that is not the expected one, no answer in time, or a dropped reply → ProbeFailedError;
 *   an untrusted certificate → `tls-untrusted` (not transient).
 */
export function createHttpAction(opts: HttpActionOptions = {}): Action<"http"> {
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024;
  const maxOutput = opts.maxOutputBytes ?? 64 * 1024;

  return {
    kind: "http",
    async run(ctx: ActionContext, spec: HttpSpec): Promise<ActionOutput> {
      const method = spec.method ?? "GET";
      const url = parseUrl(spec.url);
      const subject = `HTTP ${method} ${spec.url}`;
      const regex = spec.expect?.matches === undefined ? undefined : compileRegex(spec.expect.matches);
      if (spec.expect?.json) checkPath(spec.expect.json.path);
      const ca = spec.ca === undefined ? undefined : await readCa(ctx.cwd, spec.ca);
      const timeoutMs = spec.timeout === undefined ? (opts.defaultTimeoutMs ?? 10_000) : durationMs(spec.timeout);
      if (ctx.signal.aborted) throw abortError(ctx.signal, `${subject} was not sent`, "not-started");

      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = AbortSignal.any([ctx.signal, timeout]);
      const started = performance.now();
      let connected = false;
      let reply: Reply;
      try {
        reply = await request(url, {
          method,
          headers: spec.headers ?? {},
          body: spec.body,
          signal,
          ca,
          insecure: spec.insecure === true,
          maxBody,
          onConnect: () => (connected = true),
        });
      } catch (err) {
        if (ctx.signal.aborted) throw abortError(ctx.signal, `${subject} was cancelled`);
        if (timeout.aborted) {
          const t = formatDuration(timeoutMs);
          if (!connected) throw new UnreachableError(`${subject}: could not connect within ${t}`, { cause: err });
          throw new ProbeFailedError(`${subject}: no answer within ${t}`, { cause: err, timedOut: true });
        }
        throw classify(err as NodeJS.ErrnoException, subject);
      }
      const elapsedMs = Math.round(performance.now() - started);

      const text = reply.body.toString("utf8");
      const isJson = /\bjson\b/i.test(reply.contentType);
      let json: unknown;
      let jsonError: string | undefined;
      if (isJson || spec.expect?.json) {
        try {
          json = JSON.parse(text);
        } catch (err) {
          jsonError = reply.truncated ? `the body is larger than ${maxBody} bytes` : (err as Error).message;
        }
      }

      const problem = check(spec, reply, text, regex, json, jsonError);
      if (problem !== undefined) {
        throw new ProbeFailedError(`${subject} ${problem}`);
      }
      const output: ActionOutput = {
        status: reply.status,
        contentType: reply.contentType,
        body: reply.body.length > maxOutput ? reply.body.subarray(0, maxOutput).toString("utf8") : text,
        elapsedMs,
      };
      if (reply.truncated || reply.body.length > maxOutput) output.bodyTruncated = true;
      if (json !== undefined) output.json = json;
      return output;
    },
  };
}

/** The first unmet expectation, as the end of a sentence starting with the request, or undefined. */
function check(spec: HttpSpec, reply: Reply, text: string, regex: RegExp | undefined, json: unknown, jsonError: string | undefined): string | undefined {
  const expect = spec.expect ?? {};
  const shown = head(text, 200) || "(empty body)";
  const statuses = expect.status === undefined ? undefined : Array.isArray(expect.status) ? expect.status : [expect.status];
  const statusOk = statuses === undefined ? reply.status >= 200 && reply.status < 300 : statuses.includes(reply.status);
  if (!statusOk) {
    const want = statuses === undefined ? "2xx" : statuses.join(" or ");
    return `answered ${reply.status}, expected ${want}: ${shown}`;
  }
  const partial = reply.truncated ? ` (only the first ${reply.body.length} bytes were read)` : "";
  if (expect.contains !== undefined && !text.includes(expect.contains)) {
    return `answered ${reply.status} without "${expect.contains}" in the body${partial}: ${shown}`;
  }
  if (regex !== undefined && !regex.test(text)) {
    return `answered ${reply.status} with a body not matching /${regex.source}/${partial}: ${shown}`;
  }
  if (expect.json) {
    const { path, equals } = expect.json;
    if (jsonError !== undefined) return `answered ${reply.status} with a body that is not JSON (${jsonError}): ${shown}`;
    const got = getJsonPath(json, path);
    if (!got.found) return `answered JSON without ${path} (expected ${JSON.stringify(equals)}): ${shown}`;
    if (!jsonEquals(got.value, equals)) return `answered ${path} = ${head(JSON.stringify(got.value) ?? "undefined", 200)}, expected ${JSON.stringify(equals)}`;
  }
  return undefined;
}

function classify(err: NodeJS.ErrnoException, subject: string): ActionError {
  const code = err.code ?? "";
  if (UNREACHABLE.has(code)) {
    const why = code === "ECONNREFUSED" ? "connection refused" : code === "ENOTFOUND" || code === "EAI_AGAIN" ? "the name does not resolve" : err.message;
    return new UnreachableError(`${subject}: ${why}`, { cause: err });
  }
  if (TLS_UNTRUSTED.test(code)) {
    return new ActionError("tls-untrusted", `${subject}: the server's certificate is not trusted (${code}: ${err.message})`, {
      outcome: "not-started",
      transient: false,
      hint: "Add `ca:` with the PEM file of the CA that signed it, or fix the certificate; `insecure: true` turns verification off.",
      cause: err,
    });
  }
  if (code === "ECONNRESET" || code === "EPIPE" || err.message === "socket hang up") {
    return new ProbeFailedError(`${subject}: the server closed the connection without a complete answer`, { cause: err });
  }
  return new ProbeFailedError(`${subject}: ${err.message}`, { cause: err });
}

function request(
  url: URL,
  o: {
    method: string;
    headers: Record<string, string>;
    body: string | undefined;
    signal: AbortSignal;
    ca: string | undefined;
    insecure: boolean;
    maxBody: number;
    onConnect: () => void;
  },
): Promise<Reply> {
  return new Promise<Reply>((resolveReply, reject) => {
    const options: https.RequestOptions = {
      method: o.method,
      headers: o.body === undefined ? o.headers : { "content-length": String(Buffer.byteLength(o.body)), ...o.headers },
      signal: o.signal,
      agent: false,
    };
    if (url.protocol === "https:") {
      options.rejectUnauthorized = !o.insecure;
      // Node's `ca` replaces the default list; a runbook's CA is meant to be added to it.
      if (o.ca !== undefined) options.ca = [...rootCertificates, o.ca];
    }
    let settled = false;
    const settle = (fn: () => void) => {
      if (!settled) {
        settled = true;
        fn();
      }
    };
    const req = (url.protocol === "https:" ? https : http).request(url, options, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      const done = () =>
        settle(() =>
          resolveReply({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"] ?? ""), body: Buffer.concat(chunks, size), truncated }),
        );
      res.on("data", (chunk: Buffer) => {
        if (truncated) return;
        const room = o.maxBody - size;
        if (chunk.length > room) {
          chunks.push(chunk.subarray(0, room));
          size += room;
          truncated = true;
          done();
          // Enough read for the checks; drop the rest of a huge body.
          res.destroy();
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      res.on("end", done);
      res.on("error", (err) => settle(() => reject(err)));
      res.on("aborted", () => settle(() => reject(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }))));
    });
    req.on("socket", (socket) => {
      if (!socket.connecting) o.onConnect();
      else socket.once("connect", o.onConnect);
    });
    req.on("error", (err) => settle(() => reject(err)));
    req.end(o.body);
  });
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidSpec(`"${text}" is not a URL`, "Write a full URL such as https://app01.council.local/health.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw invalidSpec(`"${text}" is not an http or https URL`, "Use http:// or https://.");
  }
  return url;
}

function compileRegex(source: string): RegExp {
  try {
    return new RegExp(source);
  } catch (err) {
    throw invalidSpec(`expect.matches is not a valid regular expression: ${(err as Error).message}`, "Fix the pattern (JavaScript syntax).");
  }
}

function checkPath(path: string): void {
  try {
    parseJsonPath(path);
  } catch (err) {
    throw invalidSpec(`expect.json.path: ${(err as Error).message}`, "Use dotted keys and [n] indices, e.g. data.items[0].status.");
  }
}

async function readCa(cwd: string, file: string): Promise<string> {
  const path = isAbsolute(file) ? file : resolve(cwd, file);
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    throw invalidSpec(`cannot read the CA file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, "Point `ca:` at a PEM file, relative to the project directory.");
  }
}
