import { Resolver } from "node:dns/promises";
import { isIP } from "node:net";
import { abortError } from "./abort.js";
import { ProbeFailedError, UnreachableError } from "./errors.js";
import { invalidSpec } from "./invalid-spec.js";
import type { Action, ActionContext, ActionOutput } from "./types.js";
import { durationMs, formatDuration, parseAddress } from "../model/common.js";
import type { DnsSpec } from "../model/runbook.js";

export interface DnsActionOptions {
  /** Per-query timeout when the spec gives none. @default 5000 */
  defaultTimeoutMs?: number;
}

/** c-ares codes for "the name has no such record": the answer we assert with `expect: []`. */
const NO_ANSWER = new Set(["ENOTFOUND", "ENODATA"]);

/**
 * The `dns` action: asks one resolver (`server`, `host` or `host:port`, else the system's)
 * for A, AAAA, CNAME or TXT records, with one try and a timeout.
 *
 * - `expect: [..]` passes when every expected answer is present, in any order (extra
 *   answers are allowed: round-robin records). Addresses compare by value (`::1` = `0::1`),
 *   names case-insensitively without the trailing dot, TXT by the joined strings.
 * - `expect: []` asserts NXDOMAIN or no records of that type (a removed record).
 * - Without `expect`, any non-empty answer passes.
 * Outputs: `addresses` (the answers as strings, sorted).
 */
export function createDnsAction(opts: DnsActionOptions = {}): Action<"dns"> {
  return {
    kind: "dns",
    async run(ctx: ActionContext, spec: DnsSpec): Promise<ActionOutput> {
      const type = spec.type ?? "A";
      const timeoutMs = spec.timeout === undefined ? (opts.defaultTimeoutMs ?? 5000) : durationMs(spec.timeout);
      const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
      const server = spec.server === undefined ? undefined : parseServer(spec.server);
      if (server !== undefined) resolver.setServers([server]);
      const subject = `DNS ${type} ${spec.name}${spec.server === undefined ? "" : ` @${spec.server}`}`;
      if (ctx.signal.aborted) throw abortError(ctx.signal, `${subject} was not asked`, "not-started");

      const onAbort = () => resolver.cancel();
      ctx.signal.addEventListener("abort", onAbort, { once: true });
      let answers: string[];
      try {
        answers = (await query(resolver, spec.name, type)).map((a) => normalise(a, type)).sort();
      } catch (err) {
        if (ctx.signal.aborted) throw abortError(ctx.signal, `${subject} was cancelled`, "not-started");
        const code = (err as NodeJS.ErrnoException).code ?? "";
        if (!NO_ANSWER.has(code)) {
          if (code === "ETIMEOUT" || code === "ECONNREFUSED") {
            const why = code === "ETIMEOUT" ? `no answer within ${formatDuration(timeoutMs)}` : "the server refused the query";
            throw new UnreachableError(`${subject}: ${why}`, { cause: err });
          }
          throw new ProbeFailedError(`${subject}: the server answered ${code || (err as Error).message}`, { cause: err });
        }
        if (spec.expect !== undefined && spec.expect.length === 0) return { addresses: [], exists: false };
        const what = code === "ENOTFOUND" ? "NXDOMAIN (no such name)" : `no ${type} records`;
        const want = spec.expect === undefined ? "an answer" : spec.expect.join(", ");
        throw new ProbeFailedError(`${subject} answered ${what}, expected ${want}`, { cause: err });
      } finally {
        ctx.signal.removeEventListener("abort", onAbort);
      }

      if (spec.expect !== undefined) {
        const expected = spec.expect.map((e) => normalise(e, type));
        if (expected.length === 0) {
          throw new ProbeFailedError(`${subject} answered ${answers.join(", ")}, expected no such record`);
        }
        const missing = expected.filter((e) => !answers.includes(e));
        if (missing.length > 0) {
          throw new ProbeFailedError(`${subject} answered ${answers.join(", ") || "nothing"}, expected ${spec.expect.join(", ")} (missing ${missing.join(", ")})`);
        }
      } else if (answers.length === 0) {
        throw new ProbeFailedError(`${subject} answered no records, expected an answer`);
      }
      return { addresses: answers, exists: true };
    },
  };
}

async function query(resolver: Resolver, name: string, type: NonNullable<DnsSpec["type"]>): Promise<string[]> {
  switch (type) {
    case "A":
      return resolver.resolve4(name);
    case "AAAA":
      return resolver.resolve6(name);
    case "CNAME":
      return resolver.resolveCname(name);
    case "TXT":
      return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(""));
  }
}

/** Compare-friendly form: canonical address text, lowercase names without the root dot. */
function normalise(answer: string, type: NonNullable<DnsSpec["type"]>): string {
  if (type === "A" || type === "AAAA") return parseAddress(answer.trim())?.correctForm() ?? answer.trim();
  if (type === "CNAME") return answer.trim().toLowerCase().replace(/\.$/, "");
  return answer;
}

/** `host`, `host:port`, `[v6]:port` or a bare IPv6 address, as `setServers` wants it. */
function parseServer(server: string): string {
  const text = server.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const hostPort = /^([^:]+):(\d+)$/.exec(text);
  const host = bracketed ? bracketed[1]! : hostPort ? hostPort[1]! : text;
  const port = bracketed ? bracketed[2] : hostPort ? hostPort[2] : undefined;
  if (isIP(host) === 0) {
    throw invalidSpec(`server "${server}" is not an IP address (with an optional :port)`, "Give the resolver's address, e.g. 10.96.4.4 or 127.0.0.1:5353: a name would need a resolver to find it.");
  }
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) throw invalidSpec(`server "${server}" has a bad port`, "Use a port from 1 to 65535.");
  if (port === undefined) return host;
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
