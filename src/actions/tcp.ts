import { connect } from "node:net";
import { abortError } from "./abort.js";
import { ProbeFailedError, UnreachableError } from "./errors.js";
import { invalidSpec } from "./invalid-spec.js";
import type { Action, ActionContext, ActionOutput } from "./types.js";
import { durationMs, formatDuration } from "../model/common.js";
import type { TcpSpec } from "../model/runbook.js";

export interface TcpActionOptions {
  /** Connect timeout when the spec gives none. @default 5000 */
  defaultTimeoutMs?: number;
}

type ConnectResult = { open: true; ms: number } | { open: false; why: "refused" | "timeout" | "unreachable"; err?: NodeJS.ErrnoException };

/**
 * The `tcp` action: a connect probe. `expect: open` (default) passes when the TCP handshake
 * completes: a server that accepts and immediately closes still counts as open, because the
 * probe asks "is something listening", not "does it speak the protocol" (use `http` or
 * `ssh` for that). `expect: closed` passes when the connection is refused, times out (a
 * filtered port), or the host is unreachable. An unresolvable name fails either way: it is
 * almost always a typo, not proof that a service is off.
 */
export function createTcpAction(opts: TcpActionOptions = {}): Action<"tcp"> {
  return {
    kind: "tcp",
    async run(ctx: ActionContext, spec: TcpSpec): Promise<ActionOutput> {
      const port = parsePort(spec.port);
      const expect = spec.expect ?? "open";
      const timeoutMs = spec.timeout === undefined ? (opts.defaultTimeoutMs ?? 5000) : durationMs(spec.timeout);
      const subject = `TCP ${spec.host}:${port}`;
      if (ctx.signal.aborted) throw abortError(ctx.signal, `${subject} was not probed`, "not-started");

      const result = await probe(spec.host, port, timeoutMs, ctx.signal);
      if (ctx.signal.aborted) throw abortError(ctx.signal, `${subject} probe was cancelled`, "not-started");
      if (!result.open && result.err?.code !== undefined && ["ENOTFOUND", "EAI_AGAIN"].includes(result.err.code)) {
        throw new UnreachableError(`${subject}: the name ${spec.host} does not resolve`, { cause: result.err });
      }
      if (expect === "open" && !result.open) {
        const why = result.why === "refused" ? "connection refused" : result.why === "timeout" ? `no answer within ${formatDuration(timeoutMs)}` : `host unreachable (${result.err?.code ?? "?"})`;
        if (result.why === "unreachable") throw new UnreachableError(`${subject}: ${why}`, { cause: result.err });
        throw new ProbeFailedError(`${subject} is closed, expected open: ${why}`, { cause: result.err });
      }
      if (expect === "closed" && result.open) {
        throw new ProbeFailedError(`${subject} is open, expected closed: a connection was accepted`);
      }
      // No `connectMs` key on a closed port: a template reading it should hear "no output connectMs".
      return { open: result.open, host: spec.host, port, ...(result.open ? { connectMs: result.ms } : {}) };
    },
  };
}

function probe(host: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<ConnectResult> {
  return new Promise((resolveProbe) => {
    const started = performance.now();
    const socket = connect({ host, port });
    const finish = (r: ConnectResult) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
      resolveProbe(r);
    };
    const onAbort = () => finish({ open: false, why: "timeout" });
    const timer = setTimeout(() => finish({ open: false, why: "timeout" }), timeoutMs);
    signal.addEventListener("abort", onAbort, { once: true });
    socket.once("connect", () => finish({ open: true, ms: Math.round(performance.now() - started) }));
    socket.once("error", (err: NodeJS.ErrnoException) => finish({ open: false, why: err.code === "ECONNREFUSED" ? "refused" : "unreachable", err }));
  });
}

function parsePort(port: number | string): number {
  const n = typeof port === "number" ? port : /^\d+$/.test(port.trim()) ? Number(port.trim()) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw invalidSpec(`port ${JSON.stringify(port)} is not a TCP port (1-65535)`, "Check the input or template that gives the port.");
  }
  return n;
}

