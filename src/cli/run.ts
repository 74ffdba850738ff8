/**
 * `ferry run --plan F --wave N`: check the plan, approval and templates, then execute the wave
 * under a new run id with a durable journal in `<state>/runs/<run-id>/` (or, with `--dry-run`,
 * check it without changing anything). The exit code is the run's (docs/formats.md, "Exit
 * codes"): 0 done, 1 failed and rolled back, 3 rollback failed, 4 waiting or uncertain, 130
 * interrupted.
 */
import { UsageError } from "../model/diagnostics.js";
import { ON_FAILURE, type OnFailure } from "../model/run-event.js";
import { parseFailureBudget } from "../engine/failure-budget.js";
import { prepareWave } from "../runs/prepare.js";
import { startWave } from "../runs/start.js";
import { positiveInt, runsContext, stateFlagFor, waveNumber, type StateFlags } from "./common/flags.js";
import { finishRun, withTerminal, type OutputFlags } from "./common/run-output.js";
import { forecastOutput } from "./common/forecast-output.js";
import { watchForecast } from "../runs/forecast.js";

/** Flags of `ferry run`, as commander gives them. */
export interface RunFlags extends StateFlags, OutputFlags {
  plan: string;
  wave: string;
  only?: string;
  dryRun?: boolean;
  concurrency?: string;
  maxFailures?: string;
  perSite?: string;
  perHost?: string;
  out?: string;
  emergency?: string;
  onFailure?: string;
  rehearsal?: boolean;
  runners?: boolean;
}

/** `ferry run`. Returns the exit code. */
export async function runCommand(flags: RunFlags): Promise<number> {
  const wave = waveNumber(flags.wave);
  const concurrency = positiveInt("--concurrency", flags.concurrency);
  const perSite = positiveInt("--per-site", flags.perSite);
  const perHost = positiveInt("--per-host", flags.perHost);
  const budget = flags.maxFailures === undefined ? undefined : parseFailureBudget(flags.maxFailures);
  if (flags.maxFailures !== undefined && !budget) {
    throw new UsageError(`--max-failures must be a count (2), a percentage (10%) or "unlimited", got ${JSON.stringify(flags.maxFailures)}`);
  }
  const onFailure = flags.onFailure ?? "rollback";
  if (!(ON_FAILURE as readonly string[]).includes(onFailure)) throw new UsageError(`--on-failure must be ${ON_FAILURE.join(" or ")}, got ${JSON.stringify(flags.onFailure)}`);
  const only = flags.only?.split(",").map((s) => s.trim()).filter(Boolean);
  const ctx = runsContext(flags);
  if (flags.out && !flags.dryRun) throw new UsageError("--out goes with --dry-run: it writes the dry run's result", "usage", "A run's own record is its journal: `ferry status RUN --json`.");
  if (flags.rehearsal && flags.dryRun) throw new UsageError("--rehearsal and --dry-run do not go together: a rehearsal runs every step (against a test environment), a dry run changes nothing", "usage", "Drop one of them.");
  const prepared = await prepareWave(ctx, { plan: flags.plan, wave, only, withoutApproval: flags.dryRun || flags.rehearsal });

  if (flags.runners) {
    if (flags.dryRun) throw new UsageError("--runners and --dry-run do not go together: a dry run changes nothing and needs no runner");
    const { runWithRunners } = await import("./run-runners.js");
    return runWithRunners(ctx, prepared, { ...flags, onFailure: onFailure as OnFailure });
  }

  if (flags.dryRun) {
    const [{ dryRunWave, dryRunPath }, { printDryRun }] = await Promise.all([import("../runs/dry-run.js"), import("./common/dry-run-text.js")]);
    const result = await dryRunWave(ctx, prepared, { acceptNew: flags.acceptNew, out: flags.out });
    return printDryRun(result, Boolean(flags.json), flags.out ?? dryRunPath(ctx.stateDir, result.plan, result.wave));
  }

  const outcome = await withTerminal(flags, async (exec, screen) => {
    // The wave's end forecast against its window, where the plan recorded its timing.
    const watch = watchForecast({ project: prepared.project, plan: prepared.plan, wave: prepared.wave, apps: prepared.apps, limits: { concurrency, perSite, perHost }, ...forecastOutput(Boolean(flags.json), screen) });
    try {
      return await startWave(ctx, prepared, {
        ...exec,
        listeners: [...(exec.listeners ?? []), ...(watch ? [watch.listener] : [])],
        limits: { concurrency, perSite, perHost, budget, onFailure: onFailure as OnFailure },
        commandFlags: stateFlagFor(flags),
        emergency: flags.emergency,
        rehearsal: flags.rehearsal,
        onStart: ({ runId, journal }) => {
          if (!flags.json) process.stderr.write(`${flags.rehearsal ? "REHEARSAL " : ""}run ${runId}: wave ${wave}, ${prepared.apps.length} application(s); journal ${journal}\n`);
        },
        onWindowClosed: ({ at, runId }) => {
          const message = `WARNING: wave ${wave}'s approved window closed at ${at} and run ${runId} is still going. Decide now whether to let it finish or stop it (Ctrl-C, then \`ferry rollback ${runId}\`).`;
          if (flags.json) process.stdout.write(JSON.stringify({ type: "warning", code: "window-closed", run: runId, at, message }) + "\n");
          process.stderr.write(`\n${"!".repeat(8)} ${message}\n`);
        },
      });
    } finally {
      watch?.stop();
    }
  });
  return finishRun(outcome, flags, stateFlagFor(flags));
}
