/** `ferry runner --site S`: flags, signals and one line per thing the runner does. */
import { startRunner, type RunnerNotice } from "../runners/runner.js";
import { leaseMsOf } from "../runners/lease.js";
import { positiveInt, runsContext } from "./common/flags.js";
import { stateUrl } from "./state.js";
import { loadContextProject } from "../runs/context.js";
import { UsageError } from "../model/diagnostics.js";

export interface RunnerFlags {
  site: string;
  state?: string;
  dir: string;
  concurrency?: string;
  json?: boolean;
}

function text(n: RunnerNotice): string {
  switch (n.type) {
    case "runner.started":
      return `runner ${n.runner} takes the jobs of site ${n.site}`;
    case "job.taken":
      return `${n.app}: taken (batch ${n.batch}, attempt ${n.attempt}${n.continues ? `, continues run ${n.continues}` : ""})`;
    case "job.run":
      return `${n.app}: run ${n.run}`;
    case "job.finished":
      return `${n.app}: ${n.status}${n.run ? ` (run ${n.run})` : ""}${n.message ? `: ${n.message}` : ""}`;
    case "job.retry":
      return `${n.app}: back to the queue: ${n.message}`;
    case "runner.released":
      return `released the jobs of dead runners' workers ${n.workers.join(", ")}`;
    case "runner.heartbeat-failed":
      return `heartbeat failed: ${n.message}`;
    case "runner.stopped":
      return `runner ${n.runner} stopped`;
  }
}

export async function runnerCommand(flags: RunnerFlags): Promise<number> {
  const url = stateUrl(flags);
  const concurrency = positiveInt("--concurrency", flags.concurrency);
  const ctx = runsContext({ dir: flags.dir, state: url });
  // A runner for a site the estate does not have would wait for ever and take nothing.
  const sites = (await loadContextProject(ctx)).estate.sites.map((s) => s.id);
  if (!sites.includes(flags.site)) throw new UsageError(`--site ${flags.site} is not a site of the estate in ${flags.dir}`, "unknown-reference", `Sites: ${sites.join(", ")}.`);
  const runner = await startRunner({
    url,
    site: flags.site,
    ctx,
    concurrency,
    leaseMs: leaseMsOf(process.env),
    onNotice: (n) => void process.stdout.write(flags.json ? JSON.stringify(n) + "\n" : text(n) + "\n"),
  });
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals === 1) void runner.stop(sig);
    else runner.abort(sig);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  await runner.done;
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  return 0;
}
