/**
 * Wave scheduling policy, apart from running steps: which application starts when. Limits are
 * a global concurrency, per-site and per-host caps (to protect WAN links and hosts), and the
 * failure budget. Each limit is a counting semaphore (semaphore.ts); an application takes
 * its slots in one global order (site, then hosts sorted, then the global slot), so two
 * applications can never hold slots the other waits for.
 */
import { DEFAULT_CONCURRENCY } from "../model/limits.js";
import type { Status } from "../model/run-event.js";
import { budgetExceeded } from "./failure-budget.js";
import type { FailureBudget } from "./failure-budget.js";
import { Semaphore } from "./semaphore.js";

export interface ScheduleItem {
  id: string;
  site?: string;
  hosts: string[];
}

/**
 * Applications running at once when the operator sets no `--concurrency` (10). Defined once in
 * model/limits.ts and re-exported here beside the limits it defaults, so the scheduler, the
 * options run.started records and the CLI's help cannot disagree. The per-site and per-host
 * limits have no number to share: unset means unlimited.
 */
export { DEFAULT_CONCURRENCY };

export interface SchedulerOptions {
  /** Applications running at once. @default DEFAULT_CONCURRENCY (10) */
  concurrency?: number;
  /** Applications per source site at once. @default unlimited */
  perSite?: number;
  /** Applications touching one host at once. @default unlimited */
  perHost?: number;
  /** @default { kind: "unlimited" } */
  budget?: FailureBudget;
  /** Applications the budget's percentage is taken of. @default items.length */
  total?: number;
  /** Failures already counted (a resumed run). @default 0 */
  failures?: number;
  /**
   * Applications that had already begun (a resumed run): the budget stops new starts only, so
   * these go on whatever it says. @default none
   */
  committed?: ReadonlySet<string>;
  /** When aborted, no new application starts (first SIGINT). */
  stop?: AbortSignal;
}

/** Statuses that count against the failure budget. */
export const FAILURE_STATUSES: ReadonlySet<Status> = new Set(["failed", "rolled-back", "rollback-failed", "uncertain", "paused"]);

export interface ScheduleResult {
  /** Final status per application that ran. */
  ran: Map<string, Status>;
  /** Applications not started because the budget was exhausted. */
  skipped: string[];
  /** Applications not started because of `stop`. */
  notStarted: string[];
  failures: number;
}

/**
 * Run every item through `runOne` within the limits. `onSkip` is called (awaited) for each
 * item the failure budget keeps from starting.
 */
export async function schedule(
  items: ScheduleItem[],
  opts: SchedulerOptions,
  runOne: (item: ScheduleItem) => Promise<Status>,
  onSkip: (item: ScheduleItem, reason: string) => Promise<void>,
): Promise<ScheduleResult> {
  const budget = opts.budget ?? { kind: "unlimited" };
  const total = opts.total ?? items.length;
  const global = new Semaphore(opts.concurrency ?? DEFAULT_CONCURRENCY);
  const keyed = new Map<string, Semaphore>();
  const queueFor = (key: string, limit: number) => {
    let q = keyed.get(key);
    if (!q) keyed.set(key, (q = new Semaphore(limit)));
    return q;
  };
  const result: ScheduleResult = { ran: new Map(), skipped: [], notStarted: [], failures: opts.failures ?? 0 };

  const one = async (item: ScheduleItem) => {
    const queues: Semaphore[] = [];
    if (opts.perSite && item.site) queues.push(queueFor(`site:${item.site}`, opts.perSite));
    if (opts.perHost) for (const h of [...new Set(item.hosts)].sort()) queues.push(queueFor(`host:${h}`, opts.perHost));
    queues.push(global);
    const releases: (() => void)[] = [];
    try {
      for (const q of queues) {
        if (opts.stop?.aborted) break;
        releases.push(await q.acquire());
      }
      if (opts.stop?.aborted) {
        result.notStarted.push(item.id);
        return;
      }
      if (!opts.committed?.has(item.id) && budgetExceeded(budget, total, result.failures)) {
        result.skipped.push(item.id);
        await onSkip(item, `failure budget exhausted: ${result.failures} of ${total} application(s) failed`);
        return;
      }
      const status = await runOne(item);
      result.ran.set(item.id, status);
      if (FAILURE_STATUSES.has(status)) result.failures++;
    } finally {
      for (const r of releases.reverse()) r();
    }
  };
  // When the journal fails (a disk error, the team database gone), every item rejects: wait for
  // all of them, so steps already running finish (their own records then fail too and nothing
  // new starts) before the run reports the failure, rather than leaving them behind.
  const settled = await Promise.allSettled(items.map(one));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) throw failed.reason;
  return result;
}
