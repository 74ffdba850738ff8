/**
 * The wave's failure budget (`--max-failures N` or `N%`): how many applications may fail
 * before ferry stops starting new ones. Applications already running always finish.
 *
 * Rounding, written down: `N%` of a wave of `total` applications tolerates
 * `floor(total × N / 100)` failures, so a percentage never tolerates more than it says
 * (10% of 15 is 1.5, which tolerates 1). The budget is exceeded when failures are MORE than
 * tolerated: `--max-failures 0` stops after the first failure; `--max-failures 2` lets two fail
 * and stops after the third. Failed, rolled-back, rollback-failed, uncertain and skipped-by-
 * precheck applications count, and so does an unreachable host (pitfall 5).
 */

export type FailureBudget = { kind: "count"; count: number } | { kind: "percent"; percent: number } | { kind: "unlimited" };

/** Parse `N`, `N%` or `unlimited`. Returns undefined when malformed. */
export function parseFailureBudget(text: string): FailureBudget | undefined {
  const t = text.trim();
  if (t === "unlimited" || t === "100%") return t === "unlimited" ? { kind: "unlimited" } : { kind: "percent", percent: 100 };
  const pct = /^(\d{1,3})%$/.exec(t);
  if (pct) {
    const percent = Number(pct[1]);
    return percent <= 100 ? { kind: "percent", percent } : undefined;
  }
  if (/^\d+$/.test(t)) return { kind: "count", count: Number(t) };
  return undefined;
}

/** How many failures the budget tolerates in a wave of `total` applications. */
export function tolerated(budget: FailureBudget, total: number): number {
  switch (budget.kind) {
    case "unlimited":
      return Number.POSITIVE_INFINITY;
    case "count":
      return budget.count;
    case "percent":
      return Math.floor((total * budget.percent) / 100);
  }
}

/** True when no new application may start. */
export function budgetExceeded(budget: FailureBudget, total: number, failures: number): boolean {
  return failures > tolerated(budget, total);
}

/** `2`, `10%` or `unlimited`, for run.started and messages. */
export function formatBudget(b: FailureBudget): string {
  return b.kind === "count" ? String(b.count) : b.kind === "percent" ? `${b.percent}%` : "unlimited";
}
