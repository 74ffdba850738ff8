import { randomBytes } from "node:crypto";
import { StringDecoder } from "node:string_decoder";
import type { ClientChannel } from "ssh2";
import { abortError } from "../abort.js";
import { TailBuffer } from "../bounded-output.js";
import type { Redactor } from "../redactor.js";
import type { Endpoint } from "./endpoint.js";
import { ActionError, ConnectionLostError } from "../errors.js";
import { connectionLost } from "./classify.js";
import { NotConnectedError } from "./pool.js";
import type { PooledConnection, SshPool } from "./pool.js";
import { wrapCommand } from "./wrapper.js";
import type { ShellKind } from "../shell/index.js";
import { windowsControl } from "./windows-control.js";
import type { WindowsControl } from "./windows-control.js";

export interface ExecRequest {
  command: string;
  env?: Record<string, string>;
  stdin?: string;
  /** `{ password }` runs under `sudo -S`; `{}` under `sudo -n` (no password). */
  sudo?: { password?: string };
  pty?: boolean;
  signal: AbortSignal;
  onLine?: (stream: "stdout" | "stderr", line: string) => void;
  /** Tail kept per stream. */
  maxStdoutBytes: number;
  maxStderrBytes: number;
  /** Time between SIGTERM and SIGKILL to the remote process group on abort. */
  killGraceMs: number;
  /** Short description for messages, e.g. "`systemctl stop x` on app01". */
  what: string;
  /**
   * Gate the command: once its remote process group is known, call this and let the command
   * run only after it resolves (see ActionContext.started). Without it the command runs at once.
   */
  started?: (group: RemoteGroup) => Promise<void>;
  /** Secrets replaced in the output stream before it is split into lines and cut to its tail. */
  redactor?: Redactor;
  /** The shell that reads `command` on this host (actions/shell). @default "sh" */
  shell?: ShellKind;
}

export interface ExecResult {
  exitCode?: number;
  signal?: string;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** Set when sudo prompted a second time: the password was wrong. */
  sudoRefused: boolean;
  /** Set when the step was aborted: what happened to the remote command. */
  kill?: KillReport;
}

/** A remote process group as journalled: its id, and the host's boot id and leader start time where /proc gives them. */
export interface RemoteGroup {
  pgid: number;
  boot?: string;
  start?: string;
}

/**
 * Shell that prints `<marker><boot id> <leader start time> <group>` (empty fields where /proc lacks
 * them), then waits for the go line on stdin and exits 125 without running anything on EOF or
 * on another line. Builtins only: nothing is forked before the command.
 */
function gatePrefix(idMarker: string, token: string): string {
  return [
    "__f_b= __f_t= __f_p=",
    "{ read -r __f_b </proc/sys/kernel/random/boot_id",
    '__f_s=; read -r __f_s </proc/$$/stat; __f_s=${__f_s##*) }; set -- $__f_s; __f_p=$3',
    'read -r __f_s </proc/$__f_p/stat; __f_s=${__f_s##*) }; set -- $__f_s; shift 19; __f_t=$1; } 2>/dev/null',
    "set --",
    `printf '%s%s %s %s\\n' ${idMarker} "$__f_b" "$__f_t" "$__f_p"`,
    `IFS= read -r __f_go || exit 125; [ "$__f_go" = ${token} ] || exit 125`,
    "unset __f_b __f_t __f_s __f_p __f_go",
    "",
  ].join("\n");
}

/**
 * Shell that prints `alive` while process group PGID (journalled as `g`) has a running member
 * on this host, and `gone` otherwise: another boot, a leader started at another time (the id
 * was reused), or no member that is not a zombie.
 */
function groupProbe(g: RemoteGroup): string {
  const pg = String(Math.trunc(g.pgid));
  const safe = (v: string | undefined) => (v && /^[0-9a-f-]+$/i.test(v) ? v : "");
  return [
    `pg=${pg} b=${safe(g.boot)} st=${safe(g.start)}`,
    'if [ -n "$b" ] && [ -r /proc/sys/kernel/random/boot_id ]; then read -r nb </proc/sys/kernel/random/boot_id; [ "$nb" = "$b" ] || { echo gone; exit 0; }; fi',
    'if [ -n "$st" ] && [ -r /proc/$pg/stat ]; then read -r s </proc/$pg/stat; s=${s##*) }; set -- $s; shift 19; [ "$1" = "$st" ] || { echo gone; exit 0; }; fi',
    // /proc sees every user's processes; `kill -0` fails for another user's group (EPERM) too.
    'if [ -d /proc/self ]; then for f in /proc/[0-9]*/stat; do read -r s <"$f" 2>/dev/null || continue; s=${s##*) }; set -- $s; if [ "$3" = "$pg" ] && [ "$1" != Z ]; then echo alive; exit 0; fi; done; echo gone; exit 0; fi',
    'case "$(kill -0 -$pg 2>&1)" in *"o such process"*) echo gone ;; *) echo alive ;; esac',
  ].join("\n");
}

/** What became of a remote process group ferry can no longer follow on its own channel. */
export interface GroupFate {
  outcome: "gone" | "exited" | "killed";
  detail: string;
}

/**
 * Follow a remote process group over fresh connections (never the pooled one, which may be the
 * one that died): wait for it to end until `waitMs` has passed or `signal` aborts, then SIGTERM
 * it, SIGKILL it after `graceMs`, and confirm it is gone. Throws a ConnectionLostError marked
 * `stillRunning` when that cannot be established (the host cannot be reached, the group
 * survives SIGKILL), unless `signal` aborted the wait when `stopOnAbort` is set.
 */
export async function followRemoteGroup(
  pool: SshPool,
  ep: Endpoint,
  g: RemoteGroup,
  opts: { waitMs: number; graceMs: number; signal?: AbortSignal; pollMs?: number; stopOnAbort?: boolean; shell?: ShellKind },
): Promise<GroupFate> {
  const windows = windowsControl(opts.shell);
  const t0 = Date.now();
  const poll = opts.pollMs ?? 250;
  const secs = () => `${Math.round((Date.now() - t0) / 100) / 10}s`;
  let fresh: Awaited<ReturnType<SshPool["connectRaw"]>> | undefined;
  let lastError: unknown;
  const run = async (cmd: string): Promise<string> => {
    fresh ??= await pool.connectRaw(ep);
    try {
      return (await controlExec(fresh, cmd, 10_000)).output;
    } catch (err) {
      fresh.client.end();
      fresh = undefined;
      throw err;
    }
  };
  const probe = async (): Promise<"alive" | "gone" | undefined> => {
    try {
      const out = await run(windows ? windows.probe(g) : groupProbe(g));
      return out.endsWith("gone") ? "gone" : out.endsWith("alive") ? "alive" : undefined;
    } catch (err) {
      lastError = err;
      return undefined;
    }
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const cannot = (why: string) =>
    new ConnectionLostError(`the remote process group ${g.pgid} on ${ep.name} may still be running: ${why}`, {
      outcome: "unknown",
      stillRunning: true,
      hint: `Look on ${ep.name} (ps -o pid,stat,args -g ${g.pgid}) and stop it by hand before settling the step.`,
      cause: lastError,
    });
  try {
    let state = await probe();
    if (state === "gone") return { outcome: "gone", detail: `the remote process group ${g.pgid} on ${ep.name} had already ended` };
    // Wait for it to end on its own (or for the host to answer again) while the time lasts.
    while (Date.now() - t0 < opts.waitMs && !opts.signal?.aborted) {
      await sleep(Math.min(poll, Math.max(1, opts.waitMs - (Date.now() - t0))));
      state = await probe();
      if (state === "gone") return { outcome: "exited", detail: `the remote process group ${g.pgid} on ${ep.name} ended after ${secs()}` };
    }
    if (opts.stopOnAbort && opts.signal?.aborted) throw cannot("ferry was stopped while it waited");
    if (state === undefined) throw cannot(`ferry could not reach ${ep.name} to look (${lastError instanceof Error ? lastError.message : "no answer"})`);
    for (const sig of ["TERM", "KILL"] as const) {
      await run(windows ? windows.signal(g, sig) : `kill -${sig} -${Math.trunc(g.pgid)} 2>/dev/null; echo sent`).catch((err: unknown) => (lastError = err));
      const until = Date.now() + opts.graceMs;
      while (Date.now() < until) {
        await sleep(Math.min(100, poll));
        if ((await probe()) === "gone") return { outcome: "killed", detail: `the remote process group ${g.pgid} on ${ep.name} was still running after ${secs()} and was killed (SIG${sig})` };
      }
    }
    throw cannot(`it was still running after SIGTERM and SIGKILL`);
  } finally {
    fresh?.client.end();
  }
}

export interface KillReport {
  delivered: boolean;
  detail: string;
}

/** Splits decoded text into lines; keeps a partial last line until more arrives. */
class TextLines {
  private pending = "";
  constructor(private readonly emit: (line: string) => void) {}
  push(text: string): void {
    this.pending += text;
    let nl: number;
    while ((nl = this.pending.indexOf("\n")) >= 0) {
      const line = this.pending.slice(0, nl);
      this.pending = this.pending.slice(nl + 1);
      this.emit(line.endsWith("\r") ? line.slice(0, -1) : line);
    }
    if (this.pending.length > 8192) {
      this.emit(this.pending);
      this.pending = "";
    }
  }
  end(): void {
    if (this.pending) this.emit(this.pending);
    this.pending = "";
  }
}

/**
 * Holds back output until sudo has started the command, answering its prompt once with the
 * password and stripping the prompt and the ready marker. A second prompt means the password
 * was refused: stdin is closed so sudo gives up instead of waiting.
 */
class SudoGate {
  ready = false;
  refused = false;
  private buf = "";
  private prompts = 0;
  constructor(
    private readonly prompt: string | undefined,
    private readonly marker: string,
    private readonly onPrompt: (first: boolean) => void,
    private readonly onReady: () => void,
  ) {}
  push(text: string): string {
    if (this.ready) return text;
    this.buf += text;
    if (this.prompt) {
      let i: number;
      while ((i = this.buf.indexOf(this.prompt)) >= 0) {
        this.buf = this.buf.slice(0, i) + this.buf.slice(i + this.prompt.length);
        this.prompts++;
        if (this.prompts > 1) this.refused = true;
        this.onPrompt(this.prompts === 1);
      }
    }
    const m = this.buf.indexOf(this.marker);
    if (m >= 0) {
      const nl = this.buf.indexOf("\n", m);
      if (nl >= 0) {
        const out = this.buf.slice(0, m) + this.buf.slice(nl + 1);
        this.buf = "";
        this.ready = true;
        this.onReady();
        return out;
      }
    }
    if (this.buf.length > 65536) {
      const out = this.buf;
      this.buf = "";
      return out;
    }
    return "";
  }
  flush(): string {
    const out = this.buf;
    this.buf = "";
    return out;
  }
}

/**
 * Wait for `p`, but stop waiting (nothing started yet) when the step is aborted. A shared
 * connect goes on for the other steps that wait on it.
 */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal, what: string): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal, `${what} was not started`, "not-started"));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal, `${what} was not started`, "not-started"));
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** The exit status the server reported, filled in as soon as it arrives. */
interface ExitStatus {
  code?: number;
  signal?: string;
}

/** Open an exec channel, reconnecting once if the pooled connection died before it opened. */
async function openExec(pool: SshPool, ep: Endpoint, remote: string, pty: boolean, signal: AbortSignal, what: string, exit: ExitStatus) {
  const recordExit = (code: number | null, sig?: string) => {
    if (typeof code === "number") exit.code = code;
    else if (sig) exit.signal = sig;
  };
  for (let attempt = 0; ; attempt++) {
    const conn = await untilAborted(pool.connection(ep), signal, what);
    try {
      const lease = await pool.openSession<ClientChannel>(conn, signal, (client, done) =>
        client.exec(remote, { pty: pty || undefined }, (err, ch) => {
          // ssh2 emits 'exit' synchronously while parsing a packet batch: a quick command's
          // exit-status can arrive in the same read as the open confirmation, before the
          // caller's awaits resume, so the listener must be attached right here.
          if (!err) ch.once("exit", recordExit);
          done(err, ch);
        }),
      );
      return { conn, lease };
    } catch (err) {
      if (signal.aborted) throw abortError(signal, `${what} was not started`, "not-started");
      // Nothing ran yet, so one reconnect is safe whatever the step's retry policy.
      if (err instanceof NotConnectedError && attempt === 0 && !signal.aborted) continue;
      if (err instanceof NotConnectedError) throw connectionLost(ep, "opening a channel", conn.closeReason ?? err);
      throw err;
    }
  }
}

/** Run a command once on a short control channel and collect its output (used for kills). */
function controlExec(conn: PooledConnection | { client: PooledConnection["client"] }, command: string, timeoutMs: number): Promise<{ code?: number; output: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs}ms`)), timeoutMs);
    try {
      conn.client.exec(command, (err, ch) => {
        if (err) {
          clearTimeout(timer);
          reject(err);
          return;
        }
        let output = "";
        let code: number | undefined;
        ch.on("data", (d: Buffer) => (output += d.toString()));
        ch.stderr.on("data", (d: Buffer) => (output += d.toString()));
        ch.on("exit", (c: number | null) => (code = c ?? undefined));
        ch.on("close", () => {
          clearTimeout(timer);
          resolve({ code, output: output.trim() });
        });
        ch.end();
      });
    } catch (err) {
      clearTimeout(timer);
      reject(err);
    }
  });
}

/**
 * Run `kill` for the remote process group: on the pooled connection first (bypassing the
 * channel cap: the aborted command still holds its slot), and on a fresh connection when the
 * server refuses another session because MaxSessions is reached.
 */
async function sendGroupSignal(pool: SshPool, conn: PooledConnection, pgid: number, sig: "TERM" | "KILL", windows?: WindowsControl): Promise<{ code?: number; output: string }> {
  // No `--`: dash's builtin kill rejects it ("Illegal number: -"); `kill -SIG -PGID` means
  // the process group in bash, dash, zsh and busybox alike. Windows: stop the process tree.
  const cmd = windows ? windows.signal({ pgid }, sig) : `kill -${sig} -${pgid}`;
  try {
    if (!conn.alive) throw new Error("connection closed");
    return await controlExec(conn, cmd, 5000);
  } catch (err) {
    if (!conn.alive) throw new Error(`the connection is gone (${conn.closeReason?.message ?? "closed"})`, { cause: err });
    const fresh = await pool.connectRaw(conn.endpoint);
    try {
      return await controlExec(fresh, cmd, 5000);
    } finally {
      fresh.client.end();
    }
  }
}

/**
 * Run one command on a pooled connection: stream its lines, keep bounded tails, and on abort
 * kill its remote process group (TERM, then KILL after `killGraceMs`) instead of just leaving.
 */
export async function execOnHost(pool: SshPool, ep: Endpoint, req: ExecRequest): Promise<ExecResult> {
  const nonce = randomBytes(8).toString("hex");
  const sudoMode = req.sudo ? (req.sudo.password !== undefined ? "password" : "nopass") : undefined;
  // Gated: the command waits for a go line that ferry writes only once its process group is
  // journalled (req.started). If the connection or ferry dies first, the shell reads EOF and
  // exits without running the command.
  const idMarker = `__ferry_${nonce}_id=`;
  const goToken = `__ferry_${nonce}_go`;
  const gatedRun = req.started !== undefined;
  // On Windows the PowerShell wrapper holds the gate itself (windows-control.ts, shell/powershell.ts).
  const windows = windowsControl(req.shell);
  const command = gatedRun && !windows ? gatePrefix(idMarker, goToken) + req.command : req.command;
  const wrapped = wrapCommand({ command, env: req.env, sudo: sudoMode, pty: req.pty, nonce, shell: req.shell, ...(gatedRun && windows ? { gate: { idMarker, token: goToken } } : {}) });
  const exit: ExitStatus = {};
  const { conn, lease } = await openExec(pool, ep, wrapped.remote, req.pty ?? false, req.signal, req.what, exit);
  const ch = lease.channel;

  const stdoutTail = new TailBuffer(req.maxStdoutBytes);
  const stderrTail = new TailBuffer(req.maxStderrBytes);
  let pgid: number | undefined;
  let pgidKnown: (n: number) => void = () => {};
  const pgidArrived = new Promise<number>((r) => (pgidKnown = r));
  const emit = (stream: "stdout" | "stderr", line: string) => {
    (stream === "stdout" ? stdoutTail : stderrTail).push(Buffer.from(`${line}\n`));
    req.onLine?.(stream, line);
  };
  // The go line: written once the group is journalled; `journalled` settles with that.
  let group: RemoteGroup | undefined;
  let goSent = false;
  let echoStripped = false;
  let startFailure: unknown;
  let release: (ok: boolean) => void = () => {};
  const journalled = new Promise<boolean>((r) => (release = r));
  const outLines = new TextLines((line) => {
    if (pgid === undefined && line.startsWith(wrapped.pgidMarker)) {
      pgid = Number(line.slice(wrapped.pgidMarker.length));
      pgidKnown(pgid);
      return;
    }
    if (gatedRun && group === undefined && pgid !== undefined && line.startsWith(idMarker)) {
      const [boot, start, ownGroup] = line.slice(idMarker.length).split(" ");
      // The leader's start time tells a reused id apart only if it is this group's leader
      // (sudo may run the command in a group of its own).
      const startOk = start && ownGroup === String(pgid);
      group = { pgid, ...(boot ? { boot } : {}), ...(startOk ? { start } : {}) };
      req.started!(group).then(
        () => release(true),
        (err: unknown) => {
          startFailure = err;
          release(false);
        },
      );
      return;
    }
    // With a PTY the terminal echoes the go line back once.
    if (gatedRun && req.pty && !echoStripped && line === goToken) {
      echoStripped = true;
      return;
    }
    emit("stdout", line);
  });
  const errLines = new TextLines((line) => emit("stderr", line));

  ch.on("error", () => {});
  const writeInput = () => {
    if (!ch.writable) return;
    ch.write(wrapped.preamble);
    const rest = () => {
      if (req.stdin) ch.write(req.stdin);
      ch.end();
    };
    if (!gatedRun) return rest();
    void journalled.then((ok) => {
      if (!ok || !ch.writable) {
        ch.end();
        return;
      }
      ch.write(`${goToken}\n`);
      goSent = true;
      rest();
    });
  };
  const gate =
    sudoMode && wrapped.readyMarker
      ? new SudoGate(
          wrapped.sudoPrompt,
          wrapped.readyMarker,
          (first) => {
            // The password goes to sudo's stdin once; a second prompt gets EOF, never a retry.
            if (first && req.sudo?.password !== undefined) ch.write(`${req.sudo.password}\n`);
            else ch.end();
          },
          () => {
            if (sudoMode === "password") writeInput();
          },
        )
      : undefined;
  if (sudoMode !== "password") writeInput();

  // With a PTY, sudo's prompt and marker arrive on the merged terminal stream (stdout).
  const gatedStream = req.pty ? "stdout" : "stderr";
  const outDecoder = new StringDecoder("utf8");
  const errDecoder = new StringDecoder("utf8");
  const outRedact = req.redactor?.stream();
  const errRedact = req.redactor?.stream();
  ch.on("data", (d: Buffer) => {
    const text = outDecoder.write(d);
    const shown = gate && gatedStream === "stdout" ? gate.push(text) : text;
    outLines.push(outRedact ? outRedact.push(shown) : shown);
  });
  ch.stderr.on("data", (d: Buffer) => {
    const text = errDecoder.write(d);
    const shown = gate && gatedStream === "stderr" ? gate.push(text) : text;
    errLines.push(errRedact ? errRedact.push(shown) : shown);
  });

  let killing: Promise<KillReport> | undefined;
  let killed: () => void = () => {};
  const killDone = new Promise<void>((resolve) => (killed = resolve));
  // The slot is given back only when the channel has really closed: until then the server
  // still counts the session against MaxSessions, even after an abort returned.
  const closed = new Promise<void>((resolve) =>
    ch.once("close", () => {
      lease.release();
      resolve();
    }),
  );
  const onAbort = () => {
    killing = killRemote(pool, conn, ch, pgidArrived, closed, req.killGraceMs, windows);
    void killing.finally(killed);
  };
  req.signal.addEventListener("abort", onAbort, { once: true });
  if (req.signal.aborted) onAbort();

  try {
    // After an abort, stop waiting once the kill is settled even if the channel stays open.
    await Promise.race([closed, killDone]);
    if (killing) await killing;
  } finally {
    req.signal.removeEventListener("abort", onAbort);
  }
  const rest = gate?.flush() ?? "";
  const outRest = (gatedStream === "stdout" ? rest : "") + outDecoder.end();
  const errRest = (gatedStream === "stderr" ? rest : "") + errDecoder.end();
  outLines.push(outRedact ? outRedact.push(outRest) + outRedact.end() : outRest);
  errLines.push(errRedact ? errRedact.push(errRest) + errRedact.end() : errRest);
  outLines.end();
  errLines.end();

  const result: ExecResult = {
    exitCode: exit.code,
    signal: exit.signal,
    stdout: stdoutTail.text(),
    stderr: stderrTail.text(),
    stdoutTruncated: stdoutTail.truncated,
    stderrTruncated: stderrTail.truncated,
    sudoRefused: gate?.refused ?? false,
  };
  if (killing) {
    result.kill = await killing;
    return result;
  }
  if (gatedRun && !goSent) {
    // Never let run: the shell read EOF (or was never reached) and exited without the command.
    release(false);
    if (startFailure !== undefined) {
      if (startFailure instanceof ActionError) throw startFailure;
      throw new ActionError("spawn-failed", `${req.what} was not started: its process group could not be journalled (${(startFailure as Error).message})`, { outcome: "not-started", cause: startFailure });
    }
    if (exit.code === undefined && exit.signal === undefined) {
      throw new ConnectionLostError(`Connection to ${ep.name} was lost before ${req.what} was let run; it did not start`, { outcome: "not-started", cause: conn.closeReason });
    }
    if (exit.code !== 125) return result; // the wrapper or sudo failed before the gate: report as is
    throw new ConnectionLostError(`${req.what} was not let run (its process group could not be journalled)`, { outcome: "not-started" });
  }
  if (exit.code === undefined && exit.signal === undefined) {
    // The channel closed without an exit status: the connection dropped under the command.
    await new Promise((r) => setImmediate(r));
    const cause = conn.closeReason ?? new Error("the channel closed without an exit status");
    if (gatedRun && group) {
      // The command may still be running on the host. Neither a check nor a retry may run
      // beside it: follow its group over a fresh connection until it ends (or the step's time
      // runs out and it is killed); only then is the outcome merely unknown.
      const fate = await followRemoteGroup(pool, ep, group, { waitMs: Number.POSITIVE_INFINITY, graceMs: req.killGraceMs, signal: req.signal, shell: req.shell });
      throw connectionLost(ep, `${req.what} ran (${fate.detail})`, cause);
    }
    throw connectionLost(ep, `${req.what} ran${pgid ? ` (remote process group ${pgid} may still be running)` : ""}`, cause);
  }
  return result;
}

async function killRemote(
  pool: SshPool,
  conn: PooledConnection,
  ch: ClientChannel,
  pgidArrived: Promise<number>,
  closed: Promise<void>,
  graceMs: number,
  windows?: WindowsControl,
): Promise<KillReport> {
  // Cheap and correct where the server honours it; OpenSSH up to at least 9.x ignores it.
  try {
    ch.signal("KILL");
  } catch {
    /* channel already gone */
  }
  const within = (ms: number) => Promise.race([closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
  // An abort right after the exec request can precede the wrapper's first line: wait for it.
  const pgid = await Promise.race([pgidArrived, closed.then(() => undefined), new Promise<undefined>((r) => setTimeout(() => r(undefined), graceMs).unref())]);
  if (pgid === undefined) {
    ch.close();
    const gone = await within(graceMs);
    return { delivered: gone, detail: gone ? "the command ended when its channel closed" : "the remote process id was not known yet, so it could not be killed; it may still be running" };
  }
  try {
    const term = await sendGroupSignal(pool, conn, pgid, "TERM", windows);
    if (term.code !== 0) {
      ch.close();
      if (/no such process/i.test(term.output) || (await within(graceMs))) return { delivered: true, detail: `the remote process group ${pgid} had already exited` };
      return { delivered: false, detail: `could not signal the remote process group ${pgid} (${term.output || `kill exited ${term.code}`}); it may still be running` };
    }
    if (await within(graceMs)) return { delivered: true, detail: `killed the remote process group ${pgid} with SIGTERM` };
    await sendGroupSignal(pool, conn, pgid, "KILL", windows);
    if (await within(2000)) return { delivered: true, detail: `killed the remote process group ${pgid} with SIGKILL (it ignored SIGTERM for ${graceMs}ms)` };
    ch.close();
    return { delivered: false, detail: `sent SIGKILL to the remote process group ${pgid} but its output stayed open; a process that left the group may still be running` };
  } catch (err) {
    ch.close();
    return { delivered: false, detail: `could not kill the remote process group ${pgid}: ${(err as Error).message}; it may still be running` };
  }
}
