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
