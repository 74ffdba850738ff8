import type { Command } from "commander";
import { command } from "../exit.js";
import type { RunWaveOptions } from "../run-wave.js";
import type { ResumeOptions } from "../run-resume.js";
import type { StatusOptions } from "../status-run.js";
import type { GateApproveOptions } from "../gate-run.js";

const EXITS = `
Exit codes: 0 done, 1 failed and rolled back, 2 invalid input or usage, 3 rollback failed (a
person must act; the message lists the steps), 4 waiting at an approval gate or an uncertain
step, 130 interrupted (resume continues it).`;

const STATE = ["--state <dir>", "state directory with the run journals (default: <dir>/.ferry)"] as const;
const DIR = ["--dir <dir>", "project directory (estate/, runbooks/, stacks/, approvals/)", "."] as const;
// The options every command that runs steps shares (run, resume, rollback).
const ACCEPT_NEW = ["--accept-new", "pin first-seen SSH host keys into .ferry/known_hosts (a changed key is always refused)"] as const;
const EVENTS = ["--json", "stream NDJSON events on stdout (for pipelines)"] as const;
const VERBOSE = ["--verbose", "debug log, pretty, on stderr (terminal only)"] as const;

/** `ferry run`, `resume`, `rollback`, `status` and `gate approve`: execute waves and look after runs. */
export function registerRunCommands(program: Command): void {
  program
    .command("run")
    .description("Execute one wave of a plan: prechecks, steps, health gates, rollback on failure")
    .requiredOption("--plan <file>", "the plan file (from `ferry plan`)")
    .requiredOption("--wave <n>", "wave number")
    .option("--only <apps>", "run only these applications of the wave (comma-separated ids)")
    .option("--dry-run", "render every command, run read-only probes and SSH/Pulumi preflights; change nothing")
    .option("--concurrency <n>", "applications at once (default 10)")
    .option("--max-failures <n|n%>", "failure budget: past it no new application starts (default 0: stop after the first)")
    .option("--per-site <n>", "applications at once per source site")
    .option("--per-host <n>", "applications at once per host")
    .option(...ACCEPT_NEW)
    .option(...EVENTS)
    .option(...VERBOSE)
    .option(...STATE)
    .option(...DIR)
    .addHelpText(
      "after",
      `
Before anything changes, ferry refuses a plan whose hash does not verify or whose inputs
(estate, stacks, runbooks) changed since planning, a wave without a change-board approval
where change control requires one (approvals/<plan-hash-hex>-wave-<n>.yaml, from
\`ferry approve\`), and any template that does not resolve. Every transition is journalled
(fsynced) in <state>/runs/<run-id>/journal.ndjson before it is acted on; the log is next to
it in log.ndjson.

Ctrl-C (SIGINT) or SIGTERM: no new work starts, running steps finish, exit 130; a second
signal aborts running steps (a non-idempotent one is then uncertain). \`ferry resume RUN\`
continues either way.
${EXITS}

Examples:
  ferry run --plan plans/q1.json --wave 1 --dry-run
  ferry run --plan plans/q1.json --wave 1 --concurrency 5 --per-site 2 --max-failures 10%
  ferry run --plan plans/q1.json --wave 1 --json | jq -c 'select(.type == "app.finished")'`,
    )
    .action(
      command(
        async (opts: RunWaveOptions) => {
          const { runWave } = await import("../run-wave.js");
          return runWave(opts);
        },
        { json: ([o]) => Boolean(o.json) },
      ),
    );

  program
    .command("resume")
    .description("Continue a stopped run from its journal (after a crash, Ctrl-C, an approval gate or an uncertain step)")
    .argument("<run>", "run id (`ferry status` lists them)")
    .option("--step-done <step>", "the uncertain step took effect (or you finished its failed rollback by hand)")
    .option("--step-failed <step>", "the uncertain step failed: roll the application back")
    .option("--step-retry <step>", "the uncertain step did not take effect: run it again")
    .option("--app <app>", "the application of --step-*, when the step id is in doubt in several")
    .option("--accept-changes", "continue although a runbook, the estate or a stack changed since the run started (journalled)")
    .option(...ACCEPT_NEW)
    .option(...EVENTS)
    .option(...VERBOSE)
    .option(...STATE)
    .option(...DIR)
    .addHelpText(
      "after",
      `
Resume rebuilds the run from its journal alone. A step that was running when ferry stopped
runs again only if it is idempotent, or if its \`check\` probe says it did not take effect;
otherwise it is uncertain and the run stops (exit 4) saying what to inspect. Settle it with
--step-done, --step-failed or --step-retry (journalled with your name), and the run goes on.
No step without those markers ever runs twice.
${EXITS}

Examples:
  ferry resume 20270112-190003-3fa9c2
  ferry resume 20270112-190003-3fa9c2 --app revs-nbc --step-done cutover-dns`,
    )
    .action(
      command(
        async (run: string, opts: ResumeOptions) => {
          const { resumeCommand } = await import("../run-resume.js");
          return resumeCommand(run, opts);
        },
        { json: ([, o]) => Boolean(o.json) },
      ),
    );

  program
    .command("rollback")
    .description("Undo the applications a finished run completed, latest first, through their steps' rollbacks")
    .argument("<run>", "run id")
    .option("--accept-changes", "roll back although a runbook changed since the run started")
    .option(...ACCEPT_NEW)
    .option(...EVENTS)
    .option(...VERBOSE)
    .option(...STATE)
    .option(...DIR)
    .addHelpText("after", `\nExit 0 when every completed application was rolled back; 3 when a rollback failed (the\nmessage lists what a person must finish); 130 interrupted (ferry resume RUN continues it).`)
    .action(
      command(
        async (run: string, opts: ResumeOptions) => {
          const { rollbackCommand } = await import("../run-resume.js");
          return rollbackCommand(run, opts);
        },
        { json: ([, o]) => Boolean(o.json) },
      ),
    );

  program
    .command("status")
    .description("Show a run (or every run) from its journal: run, application and step statuses")
    .argument("[run]", "run id; without it, every run in the state directory")
    .option("--json", "print the state as JSON")
    .option(...STATE)
    .option(...DIR)
    .addHelpText(
      "after",
      `
Statuses: pending, running, succeeded, failed, rolled-back, rollback-failed, uncertain,
waiting, skipped. Reads the journal without taking the run lock, so it works during a run.

Examples:
  ferry status
  ferry status 20270112-190003-3fa9c2 --json | jq '.applications[] | {id, status}'`,
    )
    .action(
      command(
        async (run: string | undefined, opts: StatusOptions) => {
          const { statusCommand } = await import("../status-run.js");
          return statusCommand(run, opts);
        },
        { json: ([, o]) => Boolean(o.json) },
      ),
    );

  const gate = program.command("gate").description("Approval gates inside a run");
  gate
    .command("approve")
    .description("Release an approval gate of a run (journalled with your name), then `ferry resume RUN`")
    .argument("<run>", "run id")
    .requiredOption("--app <app>", "application waiting at the gate")
    .requiredOption("--step <step>", "the approval step")
    .requiredOption("--by <name>", "who approves (not the operator who started the run, unless the gate lists them)")
    .option("--json", "print { ok, … } as JSON")
    .option(...STATE)
    .option(...DIR)
    .addHelpText("after", `\nExample:\n  ferry gate approve 20270112-190003-3fa9c2 --app revs-nbc --step cab-go --by "J Smith"`)
    .action(
      command(
        async (run: string, opts: GateApproveOptions) => {
          const { gateApproveCommand } = await import("../gate-run.js");
          return gateApproveCommand(run, opts);
        },
        { json: ([, o]) => Boolean(o.json) },
      ),
    );
}
