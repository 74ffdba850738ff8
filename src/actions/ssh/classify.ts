import type { HostKeyError } from "../errors.js";
import { ActionError, AuthError, ConnectionLostError, UnreachableError } from "../errors.js";
import { describeEndpoint } from "./endpoint.js";
import type { Endpoint } from "./endpoint.js";

/** What the connect attempt knew when it failed; used to name the cause precisely. */
export interface ConnectFailureContext {
  /** Set by the host verifier when it refused the key: that refusal is the real cause. */
  hostKeyError?: HostKeyError;
  /** Identities offered, in order. */
  tried: string[];
  /** Key files that could not be used, with the reason. */
  keyProblems: string[];
  readyTimeoutMs: number;
}

type Ssh2Error = Error & { level?: string; code?: string | number };

/**
 * Map an ssh2 connect-time failure to ferry's error classes, once, here at the edge: the
 * engine decides retries from `transient`/`outcome` and never parses ssh2's messages.
 */
export function classifyConnectError(err: unknown, ep: Endpoint, ctx: ConnectFailureContext): ActionError {
  if (ctx.hostKeyError) return ctx.hostKeyError;
  if (err instanceof ActionError) return err;
  const e = err as Ssh2Error;
  const where = describeEndpoint(ep);
  if (e.level === "client-authentication") {
    const tried = ctx.tried.length ? `tried ${ctx.tried.join(", ")}` : "no identity was available";
    const problems = ctx.keyProblems.length ? `; unusable keys: ${ctx.keyProblems.join("; ")}` : "";
    return new AuthError(`Authentication refused by ${where}: ${tried}${problems}`, {
      hint: `Check the user (${ep.user}) and that one of these keys is in the host's authorized_keys; start ssh-agent or set identity files and the passphrase variable.`,
      cause: err,
    });
  }
  if (e.level === "client-timeout") {
    return new UnreachableError(`No SSH handshake from ${where} within ${ctx.readyTimeoutMs / 1000}s`, {
      hint: "The host or a firewall accepts the connection but sshd does not answer: check sshd and MaxStartups on the host.",
      cause: err,
    });
  }
  const code = typeof e.code === "string" ? e.code : "";
  const reasons: Record<string, string> = {
    ECONNREFUSED: "connection refused (nothing listens on that port)",
    EHOSTUNREACH: "no route to host",
    ENETUNREACH: "network unreachable",
    ETIMEDOUT: "connection timed out",
    ENOTFOUND: "name not found",
    EAI_AGAIN: "name lookup failed",
    ECONNRESET: "connection reset during the handshake",
  };
  const reason = reasons[code] ?? e.message;
  return new UnreachableError(`Cannot reach ${where}: ${reason}`, {
    hint: ep.via ? `Check that ${ep.via.name} can reach ${ep.address}:${ep.port}.` : "Check the address, port and firewall, and that sshd runs.",
    cause: err,
  });
}

/** The connection died under a running command or transfer: it may or may not have taken effect. */
export function connectionLost(ep: Endpoint, what: string, cause: unknown): ConnectionLostError {
  const why = cause instanceof Error ? cause.message : "the connection closed";
  return new ConnectionLostError(`Connection to ${describeEndpoint(ep)} was lost while ${what} (${why}); it may or may not have taken effect`, {
    hint: "The step is retried if it is idempotent; otherwise check the host and resume.",
    cause,
  });
}
