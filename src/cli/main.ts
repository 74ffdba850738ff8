#!/usr/bin/env node
/**
 * The `ferry` command. Only commander and the small command modules load at start-up; each
 * command imports its layer lazily, so `ferry --help` and `ferry validate` never load the
 * Pulumi runtime or azure-native.
 */
import { Command } from "commander";
import { registerValidate } from "./commands/validate.js";
import { registerSchema } from "./commands/schema.js";
import { registerExample } from "./commands/example.js";
import { registerPlan } from "./commands/plan.js";
import { registerReport } from "./commands/report.js";
import { registerApprove } from "./commands/approve.js";
import { registerNetwork } from "./commands/network.js";
import { registerImport } from "./commands/import.js";
import { registerDeploy } from "./commands/deploy.js";
import { registerRun } from "./commands/run.js";
import { registerResume } from "./commands/resume.js";
import { registerRollback } from "./commands/rollback.js";
import { registerStatus } from "./commands/status.js";
import { registerGateApprove } from "./commands/gate-approve.js";
import { registerDiscard } from "./commands/discard.js";
import { registerLogs } from "./commands/logs.js";
import { registerRequirements } from "./commands/requirements.js";
import { registerStart } from "./commands/start.js";
import { registerEvidence } from "./commands/evidence.js";
import { registerVerify } from "./commands/verify.js";
import { registerTimings } from "./commands/timings.js";
import { registerState } from "./commands/state.js";
import { registerRunner } from "./commands/runner.js";
import { VERSION } from "./version.js";
import { exitTwoOnUsageErrors } from "./common/usage.js";

// A reader that goes away (`ferry run --json | head -1`) must not end a wave: the journal is the
// record, not the terminal. Output to a closed pipe is dropped; the run goes on and exits with
// its own code.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE" && err.code !== "ERR_STREAM_DESTROYED") throw err;
  });
}

const program = new Command()
  .name("ferry")
  .description(
    "Plan and run infrastructure and network migrations: estate inventory, change-board waves, " +
      "runbooks with health gates and rollback, and the Azure landing zone as code.",
  )
  .version(VERSION)
  .showSuggestionAfterError()
  .configureHelp({ sortSubcommands: false })
  .addHelpText(
    "after",
    `
Typical flow:
  ferry validate                    check estate/, runbooks/ and stacks/
  ferry plan --out plans/q1.json    plan waves from the estate
  ferry report --plan plans/q1.json write the change-board pack
  ferry approve --plan plans/q1.json --wave 1 --by "J Smith" --ref CHG0012345
  ferry run --plan plans/q1.json --wave 1 --dry-run
  ferry run --plan plans/q1.json --wave 1

Exit codes: 0 done, 1 failed (rolled back) or conflicts found, 2 invalid input or usage,
3 rollback failed (a person must act), 4 waiting (approval gate or uncertain step),
130 interrupted. Errors are documented in docs/errors.md.`,
  );

// Before any command is registered: commands inherit it when they are created.
exitTwoOnUsageErrors(program);
registerStart(program);
registerValidate(program);
registerSchema(program);
registerExample(program);
registerPlan(program);
registerReport(program);
registerApprove(program);
registerNetwork(program);
registerImport(program);
registerDeploy(program);
registerRun(program);
registerResume(program);
registerRollback(program);
registerStatus(program);
registerTimings(program);
registerGateApprove(program);
registerLogs(program);
registerRequirements(program);
registerDiscard(program);
registerEvidence(program);
registerVerify(program);
registerState(program);
registerRunner(program);

await program.parseAsync(process.argv);
