import type { ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/**
 * Send `signal` to every process in the group led by `pid` (children started with
 * `detached: true` lead their own group). Returns false when the group is already gone.
 */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw err;
  }
}

/**
 * Whether any process of the group led by `pid` is still running. Zombies do not count: an
 * orphaned grandchild stays a zombie until init reaps it, and its work is already over.
 */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
  } catch (err) {
    // EPERM means a member exists but belongs to someone else; still alive.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  return hasLiveMember(pid);
}

/** Scan /proc for a non-zombie member of process group `pgid`; true where /proc is absent. */
function hasLiveMember(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return true;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    // Fields after the parenthesised command name: state, ppid, pgrp, ...
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === pgid && fields[0] !== "Z") return true;
  }
  return false;
}

export interface TerminateOptions {
  /** Time between SIGTERM and SIGKILL. @default 2000 */
  graceMs?: number;
  /** How often to look whether the group is gone after SIGTERM. @default 25 */
  pollMs?: number;
}

/**
 * Stop a whole process tree: SIGTERM to the group, then SIGKILL to the group once the grace
 * period has passed with any member still alive. Grandchildren are in the same group unless
 * they deliberately left it (setsid), so a timeout stops the work, not just the shell.
 * Resolves when the group is gone (or SIGKILL was sent).
 */
export async function terminateGroup(child: ChildProcess, opts: TerminateOptions = {}): Promise<"terminated" | "killed" | "gone"> {
  const pid = child.pid;
  if (pid === undefined) return "gone";
  const graceMs = opts.graceMs ?? 2000;
  const pollMs = opts.pollMs ?? 25;
  if (!signalGroup(pid, "SIGTERM")) return "gone";
  // The group outlives its leader when a grandchild ignores SIGTERM, so poll the group
  // rather than wait for the child's exit event.
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, pollMs));
    if (!groupAlive(pid)) return "terminated";
  }
  signalGroup(pid, "SIGKILL");
  return "killed";
}

/** The kernel's boot id (Linux), or undefined where /proc does not give it. */
export function bootId(): string | undefined {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Start time of `pid` in clock ticks since boot (field 22 of /proc/PID/stat), or undefined. */
export function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** A process group as journalled: its id and, where known, the boot and leader start time. */
export interface GroupIdentity {
  pgid: number;
  boot?: string;
  start?: string;
}

/** The identity of the group led by `pid`, read now (call right after spawning it). */
export function groupIdentity(pid: number): GroupIdentity {
  return { pgid: pid, boot: bootId(), start: startTime(pid) };
}

/**
 * Whether the group journalled as `id` may still be running. Process ids are reused, so a
 * live group of that id is taken for another only when the evidence says so: the machine
 * restarted (boot id), or the group's leader is a process started at another time. A group
 * whose leader has exited cannot have had its id reused while any member lives (Linux keeps
 * an id in use while it names a live group), so live members mean the same group.
 */
export function identifiedGroupAlive(id: GroupIdentity): boolean {
  const boot = bootId();
  if (id.boot !== undefined && boot !== undefined && boot !== id.boot) return false;
  if (!groupAlive(id.pgid)) return false;
  const leaderStart = startTime(id.pgid);
  if (id.start !== undefined && leaderStart !== undefined && leaderStart !== id.start) return false;
  return true;
}

/** Outcome of {@link reapGroup}. */
export interface ReapOutcome {
  outcome: "gone" | "exited" | "killed" | "alive";
  waitedMs: number;
}

/**
 * Wait up to `waitMs` for the group to end on its own, then SIGTERM it, SIGKILL it after
 * `graceMs`, and wait `graceMs` more. `alive` means it could not be made to end (or `signal`
 * stopped the wait). Polls: there is no event for an unrelated process ending.
 */
export async function reapGroup(id: GroupIdentity, opts: { waitMs: number; graceMs: number; pollMs?: number; signal?: AbortSignal }): Promise<ReapOutcome> {
  const t0 = Date.now();
  const poll = opts.pollMs ?? 25;
  const sleep = () => new Promise((r) => setTimeout(r, poll));
  if (!identifiedGroupAlive(id)) return { outcome: "gone", waitedMs: 0 };
  while (Date.now() - t0 < opts.waitMs) {
    if (opts.signal?.aborted) return { outcome: "alive", waitedMs: Date.now() - t0 };
    await sleep();
    if (!identifiedGroupAlive(id)) return { outcome: "exited", waitedMs: Date.now() - t0 };
  }
  for (const [sig, wait] of [["SIGTERM", opts.graceMs], ["SIGKILL", opts.graceMs]] as const) {
    if (!identifiedGroupAlive(id)) return { outcome: "killed", waitedMs: Date.now() - t0 };
    try {
      signalGroup(id.pgid, sig);
    } catch {
      return { outcome: "alive", waitedMs: Date.now() - t0 }; // EPERM: not ours to kill
    }
    const until = Date.now() + wait;
    while (Date.now() < until && identifiedGroupAlive(id)) await sleep();
  }
  return { outcome: identifiedGroupAlive(id) ? "alive" : "killed", waitedMs: Date.now() - t0 };
}
