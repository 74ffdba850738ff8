/**
 * `ferry run --runners`: queue the wave for the site runners, then follow it in the team's
 * journal. Prints one line per application whose state changes (or NDJSON with --json) and the
 * outcome; the exit code is a run's (0 done, 1 failed, 3 rollback failed, 4 waiting: an
 * uncertain step, a gate, or a site without a live runner).
 */
import type { OnFailure } from "../model/run-event.js";
import { UsageError } from "../model/diagnostics.js";
import { parseFailureBudget } from "../engine/failure-budget.js";
import { CODES } from "../model/codes.js";
import type { RunsContext } from "../runs/context.js";
import type { PreparedWave } from "../runs/prepare.js";
import { batchExitCode, queueWave, watchBatch, type AppProgress } from "../runners/coordinator.js";
import { openPool } from "../state/postgres/connect.js";
import { checkSchema } from "../state/postgres/migrate.js";
import { sitesWithoutRunners } from "../state/postgres/runners.js";
import { stateFlagFor } from "./common/flags.js";
import { stateUrl } from "./state.js";

export interface RunnersFlags {
  state?: string;
  dir: string;
  json?: boolean;
  emergency?: string;
  rehearsal?: boolean;
  onFailure?: OnFailure;
  concurrency?: string;
  perSite?: string;
  perHost?: string;
  maxFailures?: string;
}

/** Seconds a site may be without a live runner before its applications are reported: FERRY_RUNNER_GRACE_SECONDS, else 30. */
function graceMs(env: NodeJS.ProcessEnv): number {
  const s = Number(env.FERRY_RUNNER_GRACE_SECONDS);
  return Number.isFinite(s) && s >= 0 && env.FERRY_RUNNER_GRACE_SECONDS !== undefined ? s * 1000 : 30_000;
}

export async function runWithRunners(ctx: RunsContext, prepared: PreparedWave, flags: RunnersFlags): Promise<number> {
  for (const [flag, value] of [["--concurrency", flags.concurrency], ["--per-site", flags.perSite], ["--per-host", flags.perHost]] as const) {
    if (value !== undefined) throw new UsageError(`${flag} does not go with --runners: each runner runs as many applications as its own --concurrency allows`, "usage", "Set `ferry runner --concurrency N` where the runners run.");
  }
  const budget = flags.maxFailures === undefined ? undefined : parseFailureBudget(flags.maxFailures);
  const url = stateUrl(flags);
  const { pool, config } = await openPool(url, { max: 3 });
  const out = (line: string, obj: object) => process.stdout.write(flags.json ? JSON.stringify(obj) + "\n" : line + "\n");
  try {
    await checkSchema(pool, config.location);
    const { batch, jobs } = await queueWave(ctx, pool, prepared, { emergency: flags.emergency, rehearsal: flags.rehearsal, onFailure: flags.onFailure, commandFlags: stateFlagFor(flags) });
    const sites = [...new Set(jobs.map((j) => j.site))].sort();
    out(`queued wave ${prepared.wave.number} for site runners: ${jobs.length} application(s) at ${sites.join(", ")} (batch ${batch})`, { type: "wave.queued", batch, wave: prepared.wave.number, apps: jobs.map((j) => ({ app: j.app, site: j.site })) });
    for (const site of await sitesWithoutRunners(pool, sites)) {
      const message = `no live runner at site ${site} now: its applications wait in the queue until \`ferry runner --site ${site}\` runs there`;
      if (flags.json) process.stdout.write(JSON.stringify({ type: "warning", code: "runner-missing", site, message }) + "\n");
      else process.stderr.write(`ferry: warning [runner-missing]: ${message}\n`);
    }
    const seen = new Map<string, string>();
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    let final;
    try {
      final = await watchBatch(ctx, pool, batch, {
        graceMs: graceMs(process.env),
        ...(budget ? { budget } : {}),
        onBudgetSpent: (cancelled) => {
          if (cancelled.length === 0) return;
          const message = `failure budget spent: ${cancelled.join(", ")} taken off the queue (cancelled); nothing of them ran`;
          if (flags.json) process.stdout.write(JSON.stringify({ type: "budget.spent", cancelled, message }) + "\n");
          else process.stderr.write(`ferry: ${message}\n`);
        },
        signal: stop.signal,
        onProgress: (p) => {
          for (const a of p.apps) {
            const key = `${a.status}|${a.runId ?? ""}`;
            if (seen.get(a.app) === key) continue;
            seen.set(a.app, key);
            out(line(a), { type: "app.progress", ...a });
          }
        },
      });
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    const code = batchExitCode(final);
    if (stop.signal.aborted && !final.done) {
      out(`stopped following batch ${batch}; the runners go on (\`ferry status\` shows their runs)`, { type: "batch.detached", batch });
      return code;
    }
    for (const site of final.sitesWithoutRunners) {
      const apps = final.apps.filter((a) => a.site === site && a.status === "no-runner").map((a) => a.app);
      const message = `site ${site} has no live runner: ${apps.join(", ")} wait in the queue. Start \`ferry runner --site ${site}\` there; it takes them.`;
      if (flags.json) process.stdout.write(JSON.stringify({ type: "warning", code: "runner-missing", site, apps, message }) + "\n");
      else process.stderr.write(`ferry: ${message} [runner-missing]\n`);
    }
    out(`wave ${prepared.wave.number} via runners: exit ${code}`, { type: "batch.finished", batch, exitCode: code, apps: final.apps, sitesWithoutRunners: final.sitesWithoutRunners, ...(final.sitesWithoutRunners.length ? { code: "runner-missing", codeExit: CODES["runner-missing"].exit } : {}) });
    return code;
  } finally {
    await pool.end().catch(() => undefined);
  }
}

function line(a: AppProgress): string {
  const where = `${a.app} @${a.site}`;
  const run = a.runId ? ` run ${a.runId}` : "";
  const by = a.runner ? ` (runner ${a.runner})` : "";
  return `${where}: ${a.status}${run}${by}${a.message ? `: ${a.message}` : ""}`;
}
