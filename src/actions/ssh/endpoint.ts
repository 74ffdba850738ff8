import { ActionError } from "../errors.js";
import type { Host } from "../../model/estate.js";
import { parseJumpSpec } from "./ssh-config.js";
import type { SshClientConfig } from "./ssh-config.js";

/** One SSH server to connect to, fully resolved, with the hop before it (if any). */
export interface Endpoint {
  /** The estate host id or ssh-config alias; names the host in every message. */
  name: string;
  address: string;
  port: number;
  user: string;
  /** Identity files from ssh config for this name, tried after the agent and the defaults. */
  identityFiles: string[];
  /** The jump host this one is reached through (ProxyJump): the chain can be any length. */
  via?: Endpoint;
  /** Pool key: one connection per key per run. */
  key: string;
}

/** Per-step overrides of the host's `ssh:` block. */
export interface EndpointOverrides {
  user?: string;
  port?: number;
}

export interface ResolveContext {
  host(id: string): Host | undefined;
  config: SshClientConfig;
  defaultUser: string;
}

const MAX_HOPS = 16;

/** `user@address:port via a → b`, for messages. */
export function describeEndpoint(e: Endpoint): string {
  const hops: string[] = [];
  for (let v = e.via; v; v = v.via) hops.unshift(v.name);
  return `${e.name} (${e.user}@${e.address}:${e.port}${hops.length ? ` via ${hops.join(" → ")}` : ""})`;
}

function unknownHost(id: string, why: string): ActionError {
  return new ActionError("unknown-host", `Host \`${id}\` ${why}`, {
    outcome: "not-started",
    hint: "Add the host to estate/*.yaml (or fix the id), or define it as a Host in ~/.ssh/config for jump hosts.",
  });
}

/**
 * Resolve an estate host id into an endpoint chain. The estate is authoritative for address,
 * user, port and `via`; `~/.ssh/config` fills what it leaves open (User, Port, IdentityFile,
 * ProxyJump). Jump hops may be estate ids or ssh-config aliases (`[user@]name[:port]`).
 */
export function resolveEndpoint(id: string, overrides: EndpointOverrides, ctx: ResolveContext, seen: string[] = []): Endpoint {
  if (seen.includes(id) || seen.length > MAX_HOPS) {
    throw unknownHost(id, `is part of a jump-host loop: ${[...seen, id].join(" → ")}`);
  }
  const host = ctx.host(id);
  if (!host) throw unknownHost(id, "is not in the estate");
  const cfg = ctx.config.lookup(id);
  const user = overrides.user ?? host.ssh?.user ?? cfg.user ?? ctx.defaultUser;
  const port = overrides.port ?? host.ssh?.port ?? cfg.port ?? 22;
  let via: Endpoint | undefined;
  if (host.ssh?.via) via = resolveEndpoint(host.ssh.via, {}, ctx, [...seen, id]);
  else if (cfg.proxyJump.length) via = resolveJumpList(cfg.proxyJump, ctx, [...seen, id]);
  return finish({ name: id, address: host.address, port, user, identityFiles: cfg.identityFiles, via });
}

function resolveJumpList(hops: string[], ctx: ResolveContext, seen: string[]): Endpoint | undefined {
  let prev: Endpoint | undefined;
  for (const [i, spec] of hops.entries()) {
    const hop = parseJumpSpec(spec);
    let ep: Endpoint;
    if (ctx.host(hop.host)) {
      ep = resolveEndpoint(hop.host, { user: hop.user, port: hop.port }, ctx, seen);
      // Later hops go through the previous one, whatever the estate says about their own route.
      if (i > 0) ep = finish({ ...ep, via: prev });
    } else {
      if (seen.includes(hop.host) || seen.length > MAX_HOPS) throw unknownHost(hop.host, `is part of a jump-host loop: ${[...seen, hop.host].join(" → ")}`);
      const cfg = ctx.config.lookup(hop.host);
      const ownJump = i === 0 && cfg.proxyJump.length ? resolveJumpList(cfg.proxyJump, ctx, [...seen, hop.host]) : undefined;
      ep = finish({
        name: hop.host,
        address: cfg.hostName ?? hop.host,
        port: hop.port ?? cfg.port ?? 22,
        user: hop.user ?? cfg.user ?? ctx.defaultUser,
        identityFiles: cfg.identityFiles,
        via: i > 0 ? prev : ownJump,
      });
    }
    prev = ep;
  }
  return prev;
}

function finish(e: Omit<Endpoint, "key">): Endpoint {
  const key = `${e.name}|${e.user}@${e.address}:${e.port}${e.via ? `<${e.via.key}` : ""}`;
  return { ...e, key };
}
