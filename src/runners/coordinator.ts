/**
 * `ferry run --plan F --wave N --runners`: instead of running the wave here, queue one job per
 * application for the runners of its site, then follow the jobs and their runs in the shared
 * journal until each has ended or cannot go on without a person. A site with no live runner is
 * reported, not waited on: its jobs stay queued for a runner that starts later.
 */
import { randomBytes } from "node:crypto";
import { relative, resolve } from "node:path";
import type pg from "pg";
import { FerryError } from "../model/codes.js";
import { EXIT } from "../model/run-event.js";
import { budgetExceeded, type FailureBudget } from "../engine/failure-budget.js";
import type { RunsContext } from "../runs/context.js";
import { stateOf } from "../runs/context.js";
import { readRun, refuseHeldApplications } from "../runs/history.js";
import type { PreparedWave } from "../runs/prepare.js";
import { windowProblems } from "../runs/window.js";
import { batchJobs, cancelQueuedJobs, enqueueAppJobs, type AppJob, type BatchJob } from "../state/postgres/queue.js";
import { listRunners } from "../state/postgres/runners.js";

export interface QueueOptions {
  emergency?: string;
  rehearsal?: boolean;
  onFailure?: "rollback" | "pause";
  commandFlags?: string;
  now?: Date;
}

/** Check the wave as `ferry run` does, then queue its applications by site (all or none). */
export async function queueWave(ctx: RunsContext, pool: pg.Pool, prepared: PreparedWave, opts: QueueOptions = {}): Promise<{ batch: string; jobs: AppJob[] }> {
  const wave = prepared.wave.number;
  const rehearsal = opts.rehearsal === true;
  const outside = rehearsal ? [] : windowProblems(prepared.wave, prepared.project.estate.calendar, prepared.apps, opts.now ?? new Date());
  const reason = opts.emergency?.trim();
  if (outside.length > 0 && !reason) {
    throw new FerryError(
      "outside-window",
      `wave ${wave} may not run now: ${outside.map((p) => p.message).join("; ")}`,
      'Run it inside its approved window, or, in an emergency, give the reason with --emergency "REASON".',
    );
  }
  // Refused here already, not by each runner: another run holds one of these applications.
  await refuseHeldApplications(stateOf(ctx), wave, prepared.apps.map((a) => a.app.id), opts.commandFlags ?? "", new Map(prepared.apps.map((a) => [a.app.id, a.hosts])), { rehearsal });
  const batch = `${new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15)}-${randomBytes(3).toString("hex")}`;
  const planFile = relative(ctx.dir, resolve(prepared.planFile));
  const siteless = prepared.apps.filter((a) => !a.site).map((a) => a.app.id);
  if (siteless.length)
    throw new FerryError("input-invalid", `--runners: application(s) ${siteless.join(", ")} have no site (their hosts name none), so no site runner would take them`, "Give their hosts a site in estate/, or run them without --runners.");
  const groups = hostGroups(prepared.apps.map((a) => ({ id: a.app.id, hosts: a.hosts })));
  const jobs: AppJob[] = prepared.apps.map((a) => ({
    batch,
    app: a.app.id,
    site: a.site!,
    planFile,
    planHash: prepared.plan.hash,
    wave,
    operator: ctx.operator,
    ...(rehearsal ? { rehearsal: true } : {}),
    ...(reason ? { emergency: reason } : {}),
    ...(opts.onFailure ? { onFailure: opts.onFailure } : {}),
    ...(groups.has(a.app.id) ? { serialGroup: `ferry:${batch}:${groups.get(a.app.id)}` } : {}),
  }));
  await enqueueAppJobs(pool, jobs);
  return { batch, jobs };
}

/**
 * Applications that share a host, directly or through others, by group number (applications
 * alone on their hosts are left out): a run holds its hosts, so these must run one at a time.
 */
export function hostGroups(apps: readonly { id: string; hosts: readonly string[] }[]): Map<string, number> {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  for (const a of apps) parent.set(a.id, a.id);
  const byHost = new Map<string, string>();
  for (const a of apps) {
    for (const h of a.hosts) {
      const other = byHost.get(h);
      if (other === undefined) byHost.set(h, a.id);
      else parent.set(find(a.id), find(other));
    }
  }
  const members = new Map<string, string[]>();
  for (const a of apps) members.set(find(a.id), [...(members.get(find(a.id)) ?? []), a.id]);
  const groups = new Map<string, number>();
  let n = 0;
  for (const ids of members.values()) {
    if (ids.length < 2) continue;
    n++;
    for (const id of ids) groups.set(id, n);
  }
  return groups;
}

/** One application of a queued wave, as the coordinator last saw it. */
export interface AppProgress {
  app: string;
  site: string;
  /** queued, running (a runner works on it), or the run's end status; refused, cancelled, no-runner. */
  status: string;
  runId?: string;
  runner?: string;
  message?: string;
  /** True once nothing more will happen without a person or a runner. */
  settled: boolean;
}

export interface BatchProgress {
  apps: AppProgress[];
  /** Sites with unsettled applications and no live runner for longer than the grace period. */
  sitesWithoutRunners: string[];
  done: boolean;
}

const FAILED = new Set(["failed", "rolled-back", "rollback-failed", "refused"]);
const ENDED = new Set(["succeeded", "failed", "rolled-back", "rollback-failed", "uncertain", "waiting", "paused", "refused", "cancelled", "skipped"]);

export interface WatchOptions {
  /**
   * The wave's failure budget (`--max-failures`): once more applications failed than it
   * tolerates, the jobs no runner has started are taken off the queue (`cancelled`), as
   * `ferry run` starts no new application. @default 0: the first failure stops new starts
   */
  budget?: FailureBudget;
  /** Told once when the budget is spent, with the applications taken off the queue. */
  onBudgetSpent?: (cancelled: string[]) => void;
  pollMs?: number;
  /** How long a site may be without a live runner before its applications are reported instead of waited for. @default 30 s */
  graceMs?: number;
  onProgress?: (p: BatchProgress) => void;
  /** Stop watching (the jobs go on): Ctrl-C of the coordinator. */
  signal?: AbortSignal;
  sleep?: (ms: number) => Promise<void>;
}

/** Follow a batch until every application settled (or waits for a runner no site has). */
export async function watchBatch(ctx: RunsContext, pool: pg.Pool, batch: string, opts: WatchOptions = {}): Promise<BatchProgress> {
  const pollMs = opts.pollMs ?? 1000;
  const graceMs = opts.graceMs ?? 30_000;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const lastLive = new Map<string, number>();
  const started = Date.now();
  const budget = opts.budget ?? { kind: "count", count: 0 };
  let spent = false;
  for (;;) {
    let progress = await batchProgress(ctx, pool, batch, lastLive, started, graceMs);
    const failures = progress.apps.filter((a) => FAILED.has(a.status)).length;
    if (!spent && budgetExceeded(budget, progress.apps.length, failures)) {
      spent = true;
      const cancelled = await cancelQueuedJobs(pool, batch);
      opts.onBudgetSpent?.(cancelled);
      if (cancelled.length) progress = await batchProgress(ctx, pool, batch, lastLive, started, graceMs);
    }
    opts.onProgress?.(progress);
    if (progress.done || opts.signal?.aborted) return progress;
    await sleep(pollMs);
  }
}

async function batchProgress(ctx: RunsContext, pool: pg.Pool, batch: string, lastLive: Map<string, number>, started: number, graceMs: number): Promise<BatchProgress> {
  const jobs = await batchJobs(pool, batch);
  const sites = [...new Set(jobs.map((j) => j.site))];
  const runners = await listRunners(pool, sites);
  const now = Date.now();
  for (const r of runners) if (r.live) lastLive.set(r.site, now);
  const apps: AppProgress[] = [];
  for (const j of jobs) apps.push(await appProgress(ctx, j));
  const waitingSites = new Set(apps.filter((a) => !a.settled).map((a) => a.site));
  const sitesWithoutRunners = [...waitingSites].filter((s) => now - (lastLive.get(s) ?? started) > graceMs && !runners.some((r) => r.site === s && r.live)).sort();
  for (const a of apps) {
    if (!a.settled && sitesWithoutRunners.includes(a.site) && a.status === "queued") {
      a.status = "no-runner";
      a.settled = true;
    }
  }
  return { apps, sitesWithoutRunners, done: apps.every((a) => a.settled) };
}

async function appProgress(ctx: RunsContext, j: BatchJob): Promise<AppProgress> {
  const base = { app: j.app, site: j.site, ...(j.runId ? { runId: j.runId } : {}), ...(j.runnerId ? { runner: j.runnerId } : {}) };
  if (j.status === "refused" || j.status === "cancelled") return { ...base, status: j.status, ...(j.message ? { message: j.message } : {}), settled: true };
  if (!j.inQueue && j.status === "queued") return { ...base, status: "refused", message: j.lastError ?? "the job left the queue without a run", settled: true };
  if (j.inQueue && j.attempts >= j.maxAttempts && !j.lockedBy) return { ...base, status: "refused", message: `failed ${j.attempts} times: ${j.lastError ?? "no error recorded"}`, settled: true };
  if (!j.runId) return { ...base, status: j.lockedBy ? "starting" : "queued", settled: false };
  const state = await readRun(stateOf(ctx), j.runId, ctx.warn).catch(() => undefined);
  const app = state?.apps.get(j.app);
  const status = app?.status ?? "running";
  // The job is done when its runner said so; until then a status like "uncertain" may still be settled by a takeover.
  const settled = !j.inQueue && ENDED.has(status);
  return { ...base, status, settled };
}

/** The exit code of a queued wave: as a run's, with a site without runners counted as waiting. */
export function batchExitCode(p: BatchProgress): number {
  const s = new Set(p.apps.map((a) => a.status));
  if (s.has("rollback-failed")) return EXIT.rollbackFailed;
  if (["uncertain", "waiting", "paused", "no-runner", "queued", "starting", "running", "pending"].some((x) => s.has(x))) return EXIT.waiting;
  if (["failed", "rolled-back", "refused", "cancelled", "skipped"].some((x) => s.has(x))) return EXIT.failed;
  return EXIT.done;
}
