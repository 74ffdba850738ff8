import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import SSHConfig from "ssh-config";

/** What ferry takes from `~/.ssh/config` for one name. Absent fields were not set. */
export interface SshConfigEntry {
  hostName?: string;
  user?: string;
  port?: number;
  /** `~` expanded; in file order. */
  identityFiles: string[];
  /** ProxyJump hops, first hop first (`none` clears it). */
  proxyJump: string[];
}

/** Expand `~/` and the `%h`/`%%` tokens OpenSSH allows in HostName and IdentityFile. */
function expand(value: string, host: string): string {
  const withHome = value.startsWith("~/") ? join(homedir(), value.slice(2)) : value;
  return withHome.replace(/%(.)/g, (all, c: string) => (c === "h" ? host : c === "%" ? "%" : all));
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * A parsed OpenSSH client config. Parsing is done by the `ssh-config` package (Host patterns,
 * first-obtained-value-wins); `Match exec` is never evaluated, because a config should not run
 * commands on the operator's machine as a side effect of a dry run.
 */
export class SshClientConfig {
  private constructor(private readonly config: SSHConfig | undefined) {}

  /** Parse config text (for tests and for configs not on disk). */
  static fromText(text: string): SshClientConfig {
    return new SshClientConfig(SSHConfig.parse(text));
  }

  /** Read a config file; a missing file is an empty config. */
  static load(path: string | false): SshClientConfig {
    if (path === false) return new SshClientConfig(undefined);
    try {
      return new SshClientConfig(SSHConfig.parse(readFileSync(path, "utf8")));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return new SshClientConfig(undefined);
      throw err;
    }
  }

  /** The settings that apply to `host` (a name as typed: an estate host id or a jump alias). */
  lookup(host: string): SshConfigEntry {
    if (!this.config) return { identityFiles: [], proxyJump: [] };
    const c = this.config.compute({ Host: host }, { matchExec: false, ignoreCase: true });
    const port = Number(first(c.port));
    const ids = c.identityfile === undefined ? [] : Array.isArray(c.identityfile) ? c.identityfile : [c.identityfile];
    const jump = first(c.proxyjump);
    const hostName = first(c.hostname);
    return {
      hostName: hostName === undefined ? undefined : expand(hostName, host),
      user: first(c.user),
      port: Number.isInteger(port) && port > 0 ? port : undefined,
      identityFiles: ids.map((f) => expand(f, host)),
      proxyJump: jump === undefined || jump === "none" ? [] : jump.split(",").map((s) => s.trim()).filter(Boolean),
    };
  }
}

/** Split a ProxyJump hop `[user@]host[:port]` (IPv6 in brackets). */
export function parseJumpSpec(spec: string): { user?: string; host: string; port?: number } {
  let rest = spec.replace(/^ssh:\/\//, "");
  let user: string | undefined;
  const at = rest.lastIndexOf("@");
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracket) return { user, host: bracket[1]!, port: bracket[2] ? Number(bracket[2]) : undefined };
  const colon = rest.lastIndexOf(":");
  if (colon > 0 && rest.indexOf(":") === colon) return { user, host: rest.slice(0, colon), port: Number(rest.slice(colon + 1)) };
  return { user, host: rest };
}
