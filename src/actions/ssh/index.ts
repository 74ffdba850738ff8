import { homedir, userInfo } from "node:os";
import { isAbsolute, join, resolve as resolvePath } from "node:path";
import { abortError } from "../abort.js";
import { head } from "../bounded-output.js";
import { commandResult } from "../command-result.js";
import { ActionError, AuthError } from "../errors.js";
import { invalidSpec } from "../invalid-spec.js";
import { redactorOf } from "../redactor.js";
import type { Action, ActionContext, ActionOutput, ReapResult } from "../types.js";
import type { ProcessRef } from "../../model/run-event.js";
import type { CopySpec, SshSpec } from "../../model/runbook.js";
import { describeEndpoint, resolveEndpoint } from "./endpoint.js";
import type { Endpoint } from "./endpoint.js";
import { execOnHost, followRemoteGroup, untilAborted } from "./exec.js";
import type { RemoteGroup } from "./exec.js";
import { Identities } from "./identity.js";
import { KnownHosts, type HostKeyStore } from "./known-hosts.js";
import { SshPool } from "./pool.js";
import { copyOverSftp, localSourceExists } from "./sftp-copy.js";
import { SshClientConfig } from "./ssh-config.js";
import { shellOfStep } from "./step-shell.js";

export { SshPool } from "./pool.js";
export type { PoolStats } from "./pool.js";

/** Options of the ssh and copy actions; every field has an OpenSSH-like default. */
export interface SshOptions {
  /** Project folder: `.ferry/` lives here. @default process.cwd() */
  projectDir?: string;
  /**
   * known_hosts files trusted, in order.
   * @default ["~/.ssh/known_hosts", "<projectDir>/.ferry/known_hosts"]
   */
  knownHostsFiles?: string[];
  /**
   * Pin first-seen host keys into `<projectDir>/.ferry/known_hosts` (mode 0600), like OpenSSH's
   * `StrictHostKeyChecking accept-new`. A changed key is always refused; no option accepts one.
   * @default false
   */
  acceptNew?: boolean;
  /**
   * Host keys kept in the team's shared state: trusted beside the known_hosts files, and where
   * `acceptNew` pins first-seen keys instead of `<projectDir>/.ferry/known_hosts`.
   */
  hostKeys?: HostKeyStore;
  /** OpenSSH client config to read; `false` reads none. @default "~/.ssh/config" */
  sshConfigPath?: string | false;
  /** ssh-agent socket; `false` disables the agent. @default process.env.SSH_AUTH_SOCK */
  agent?: string | false;
  /** Private keys tried after the agent. @default ~/.ssh/id_ed25519, id_ecdsa, id_rsa (those that exist) */
  identityFiles?: string[];
  /** Environment variable holding the passphrase of encrypted identity files. @default "FERRY_SSH_PASSPHRASE" */
  passphraseEnv?: string;
  /** Login user when neither the step, the estate nor ssh config names one. @default the local user */
  defaultUser?: string;
  /** Milliseconds allowed for TCP connect + SSH handshake + authentication. @default 20000 */
  readyTimeout?: number;
  /** Milliseconds between keepalive probes; a dead peer is detected within interval × (countMax + 1). @default 5000 */
  keepaliveInterval?: number;
  /** Unanswered keepalives before the connection is declared dead. @default 3 */
  keepaliveCountMax?: number;
  /** Session channels open at once per host (OpenSSH's MaxSessions default is 10). Lowered automatically when a server refuses. @default 8 */
  maxChannelsPerHost?: number;
  /** Milliseconds between SIGTERM and SIGKILL to the remote process group on abort. @default 3000 */
  killGraceMs?: number;
  /** Bytes of stdout and of stderr kept as step outputs (the tail). @default 65536 */
  maxOutputBytes?: number;
  /** Largest stdout accepted for `json: true`. @default 4194304 */
  maxJsonBytes?: number;
  /** Environment for SSH_AUTH_SOCK, the key passphrase and sudo passwords not among the run's secrets. @default process.env */
  env?: NodeJS.ProcessEnv;
}

export interface SshActions {
  ssh: Action<"ssh">;
  copy: Action<"copy">;
  pool: SshPool;
  /** Close every pooled connection. */
  close(): Promise<void>;
}

function expandHome(p: string): string {
  return p.startsWith("~/") ? join(homedir(), p.slice(2)) : p;
}

/**
 * The `ssh` and `copy` actions over one shared connection pool (one connection per host per
 * run). Host keys are verified strictly before authentication, keepalive is always on, channels
 * stay under MaxSessions, and an aborted command is killed on the host, not merely abandoned.
 *
 * @example
 * const { ssh, copy, close } = createSshActions({ acceptNew: flags.acceptNew });
 * try { await ssh.run(ctx, { host: "app01", run: "systemctl is-active nginx" }); } finally { await close(); }
 */
export function createSshActions(opts: SshOptions = {}): SshActions {
  const projectDir = opts.projectDir ?? process.cwd();
  const pinFile = join(projectDir, ".ferry", "known_hosts");
  const knownHostsFiles = (opts.knownHostsFiles ?? ["~/.ssh/known_hosts", pinFile]).map(expandHome);
  const knownHosts = new KnownHosts({
    files: knownHostsFiles,
    pinFile: opts.acceptNew && !opts.hostKeys ? pinFile : undefined,
    ...(opts.hostKeys ? { store: opts.hostKeys, pinToStore: Boolean(opts.acceptNew) } : {}),
  });
  const config = SshClientConfig.load(opts.sshConfigPath === undefined ? join(homedir(), ".ssh", "config") : opts.sshConfigPath === false ? false : expandHome(opts.sshConfigPath));
  const identities = new Identities({ agent: opts.agent, identityFiles: opts.identityFiles?.map(expandHome), passphraseEnv: opts.passphraseEnv ?? "FERRY_SSH_PASSPHRASE", env: opts.env });
  const pool = new SshPool({
    knownHosts,
    acceptNew: opts.acceptNew ?? false,
    identities,
    readyTimeout: opts.readyTimeout ?? 20_000,
    keepaliveInterval: opts.keepaliveInterval ?? 5000,
    keepaliveCountMax: opts.keepaliveCountMax ?? 3,
    maxChannelsPerHost: opts.maxChannelsPerHost ?? 8,
  });
  const killGraceMs = opts.killGraceMs ?? 3000;
  const maxOutput = opts.maxOutputBytes ?? 64 * 1024;
  const maxJson = opts.maxJsonBytes ?? 4 * 1024 * 1024;
  const defaultUser = opts.defaultUser ?? userInfo().username;
  const env = opts.env ?? process.env;

  const endpointFor = (ctx: ActionContext, host: string, overrides: { user?: string; port?: number } = {}): Endpoint =>
    resolveEndpoint(host, overrides, { host: (id) => ctx.host(id), config, defaultUser });

  const preflight = async (ctx: ActionContext, ep: Endpoint): Promise<string> => {
    const conn = await untilAborted(pool.connection(ep), ctx.signal, `connecting to ${ep.name}`);
    const i = conn.info;
    return `${describeEndpoint(ep)}: reachable, host key ${i.hostKey}${i.pinned ? " (pinned now)" : ""}, authenticated with ${i.identity}`;
  };

  const ssh: Action<"ssh"> = {
    kind: "ssh",
    async run(ctx: ActionContext, spec: SshSpec): Promise<ActionOutput> {
      const ep = endpointFor(ctx, spec.host, { user: spec.user, port: spec.port });
      const what = `\`${head(spec.run, 120)}\` on ${spec.host}`;
      const shell = shellOfStep(ctx, spec);
      let sudo: { password?: string } | undefined;
      if (spec.sudo === true) sudo = {};
      else if (spec.sudo) {
        const name = spec.sudo.passwordEnv;
        // The engine registers credential-like variables as secrets under `env_<NAME>`; the
        // operator's environment is the fallback for names that do not look like one.
        const password = ctx.secrets.get(name) ?? ctx.secrets.get(`env_${name}`) ?? env[name];
        if (password === undefined) throw invalidSpec(`ssh: the sudo password variable ${name} is not set`, `Export ${name} in the environment that runs ferry.`);
        sudo = { password };
      }
      const r = await execOnHost(pool, ep, {
        command: spec.run,
        env: spec.env,
        stdin: spec.stdin,
        sudo,
        pty: spec.pty,
        signal: ctx.signal,
        onLine: ctx.onLine,
        maxStdoutBytes: spec.json ? Math.max(maxJson, maxOutput) : maxOutput,
        maxStderrBytes: maxOutput,
        killGraceMs,
        what,
        // A network device's CLI has no wrapper to report a process: nothing to journal or gate.
        ...(ctx.started && shell !== "device" ? { started: (g: RemoteGroup) => ctx.started!({ host: spec.host, ...g }) } : {}),
        shell,
        // Output is redacted before it is split and cut; the sudo password too, wherever it came from.
        redactor: redactorOf([...ctx.secrets.values(), ...(sudo?.password !== undefined ? [sudo.password] : [])]),
      });
      if (r.kill) {
        const err = abortError(ctx.signal, `${what}: ${r.kill.detail}`);
        if (r.kill.delivered) throw err;
        // Same class and code, plus what the operator must do about the command left running.
        throw Object.assign(err, { hint: `Check ${spec.host} for the leftover command and stop it by hand.`, stillRunning: true });
      }
      if (r.sudoRefused) {
        throw new AuthError(`sudo on ${spec.host} refused the password from secret ${(spec.sudo as { passwordEnv: string }).passwordEnv}`, {
          hint: "Check the secret's value and that the login user may run sudo on this host.",
          exitCode: r.exitCode,
        });
      }
      // stdout is returned as execOnHost kept it (up to maxJson with `json: true`), as it always was.
      return commandResult(
        { what, exitCode: r.exitCode, signal: r.signal, stdout: r.stdout, stderr: r.stderr, stdoutTruncated: r.stdoutTruncated, stderrTruncated: r.stderrTruncated },
        { expectExit: spec.expectExit, json: spec.json, maxJsonBytes: maxJson },
      );
    },
    preflight(ctx: ActionContext, spec: SshSpec): Promise<string> {
      shellOfStep(ctx, spec);
      return preflight(ctx, endpointFor(ctx, spec.host, { user: spec.user, port: spec.port }));
    },
    gated: true,
    async reap(ctx: ActionContext, proc: ProcessRef, reapOpts: { waitMs: number }): Promise<ReapResult> {
      if (proc.host === undefined) throw new ActionError("step-uncertain", `process group ${proc.pgid} was journalled without its host`, { outcome: "unknown" });
      // The endpoint as the step addressed it: the estate's user and port for the host.
      return followRemoteGroup(pool, endpointFor(ctx, proc.host), proc, { waitMs: reapOpts.waitMs, graceMs: killGraceMs, signal: ctx.signal, stopOnAbort: true, shell: ctx.host(proc.host)?.os === "windows" ? "powershell" : "sh" });
    },
    close: () => pool.close(),
  };

  const copy: Action<"copy"> = {
    kind: "copy",
    run(ctx: ActionContext, spec: CopySpec): Promise<ActionOutput> {
      return copyOverSftp(ctx, spec, { pool, endpoint: endpointFor(ctx, spec.host), killGraceMs, os: ctx.host(spec.host)?.os });
    },
    async preflight(ctx: ActionContext, spec: CopySpec): Promise<string> {
      if ((spec.direction ?? "upload") === "upload") {
        const local = isAbsolute(spec.from) ? spec.from : resolvePath(ctx.cwd, spec.from);
        if (!(await localSourceExists(local))) throw invalidSpec(`copy: local file ${local} does not exist`, "Fix `from` (relative paths start at the project folder).");
      }
      return preflight(ctx, endpointFor(ctx, spec.host));
    },
    close: () => pool.close(),
  };

  return { ssh, copy, pool, close: () => pool.close() };
}
