import type { Command } from "commander";
import { DEFAULT_CONCURRENCY } from "../../model/limits.js";
import { command } from "../common/exit.js";
import { RUN_EXITS, withRunFlags } from "../common/options.js";
import type { RunFlags } from "../run.js";

/** `ferry run`: execute one wave of a plan. */
export function registerRun(program: Command): void {
  const cmd = program
    .command("run")
    .description("Execute one wave of a plan: prechecks, steps, health gates, rollback on failure")
    .requiredOption("--plan <file>", "the plan file (from `ferry plan`)")
    .requiredOption("--wave <n>", "wave number")
    .option("--only <apps>", "run only these applications of the wave (comma-separated ids)")
    .option("--dry-run", "render every command, run read-only probes and SSH/Pulumi preflights; change nothing (needs no approval)")
    .option("--out <file>", "with --dry-run: also write its result as JSON (bound to the plan hash and wave) for the change board")
    .option("--emergency <reason>", "run although the wave is outside its approved window, in a freeze or a blackout (journalled with your name)")
    .option("--rehearsal", "a rehearsal against a test environment: needs no approval, ignores the window; its step durations feed `ferry timings`")
    .option("--concurrency <n>", `applications at once (default ${DEFAULT_CONCURRENCY})`)
    .option("--max-failures <n|n%>", "failure budget: past it no new application starts (default 0: stop after the first)")
    .option("--on-failure <rollback|pause>", "a failed application: undo its completed steps (rollback, the default), or stop where it failed (pause)")
    .option("--per-site <n>", "applications at once per source site")
    .option("--per-host <n>", "applications at once per host")
    .option("--runners", "queue the wave's applications for the site runners of their sites (`ferry runner --site S`) instead of running them here, and follow them in the team's journal (needs --state postgres://…)");
  // The flags run, resume and rollback share come after the command's own in --help.
  withRunFlags(cmd)
    .addHelpText(
      "after",
      `
A wave runs only inside its approved window (the plan's date and the calendar's window), and
not in a change freeze or an application's blackout, unless --emergency "REASON" says why; the
reason is journalled with your name and shown by \`ferry status\`. A run still going when its
window closes is warned once, on the terminal and in --json.

--dry-run needs no approval: its result (recorded under <state>/dry-runs/, and in --out) is
evidence for the change board before it approves. Each problem is listed once with what it
blocks; a probe that could not run is never reported as verified.

Before anything changes, ferry refuses a plan whose hash does not verify or whose inputs
(estate, stacks, runbooks) changed since planning, a wave without a change-board approval
where change control requires one (approvals/<plan-hash-hex>-wave-<n>.yaml, from
\`ferry approve\`), and any template that does not resolve. Every transition is journalled
(fsynced) in <state>/runs/<run-id>/journal.ndjson before it is acted on; the log is next to
it in log.ndjson.

Where the plan records the wave's timing, the live view (and --json, as "forecast" lines) shows
when the wave is forecast to end, from the remaining steps' estimates and the time taken so
far, against the window's end; ferry warns once (rollback-decision-point) when that forecast
passes the time by which rolling back must start for it to finish inside the window.

--rehearsal runs the wave for real against a test environment (a plan of your test estate or
stack: ferry does not redirect the steps) to learn how long it takes. It needs no approval and
ignores the window, freezes and blackouts; the journal marks it a rehearsal, \`ferry status\`
labels it REHEARSAL, and \`ferry timings\` reports its step durations beside real runs'. It holds
its applications and hosts only while it goes on: once it stops, the real run is not refused
because of it, and \`ferry plan --keep\` does not count it as the wave having run.

--on-failure pause: a failed step or health gate stops its application where it failed, nothing
undone (status paused, exit 4). Fix the cause, then \`ferry resume RUN --retry-failed\` runs
the failed step again, or \`ferry rollback RUN --app A\` undoes the application. The policy is
journalled with the run; resume keeps it.

--runners (team state on PostgreSQL): after the same checks, each application becomes a job for
the runners of its site, which run it as a run of its own in the shared journal; this command
follows them and exits as a run would. A site with no live runner is reported (runner-missing,
exit 4), not waited on: its jobs stay queued for a runner started later. Ctrl-C stops following;
the runners go on. See docs/team.md.

Ctrl-C (SIGINT) or SIGTERM: no new work starts, running steps finish, exit 130; a second
signal aborts running steps (a non-idempotent one is then uncertain). \`ferry resume RUN\`
continues either way.
${RUN_EXITS}

Examples:
  ferry run --plan plans/q1.json --wave 1 --dry-run
  ferry run --plan plans/q1.json --wave 1 --concurrency 5 --per-site 2 --max-failures 10%
  ferry run --plan plans/q1.json --wave 1 --on-failure pause
  ferry run --plan plans/q1.json --wave 1 --runners --state "$FERRY_STATE"
  ferry run --plan plans/rehearsal.json --wave 1 --rehearsal
  ferry run --plan plans/q1.json --wave 1 --json | jq -c 'select(.type == "app.finished")'`,
    )
    .action(
      command(
        async (flags: RunFlags) => {
          const { runCommand } = await import("../run.js");
          return runCommand(flags);
        },
        { json: ([o]) => Boolean(o.json) },
      ),
    );
}
