import { createLocalAction } from "../../src/actions/local.js";
import { createFakeCommandAction } from "../harness/fake-command-action.js";
import { processRunning } from "../harness/processes.js";
import { CONTRACT_COMMANDS, commandContract } from "./command-contract.js";

const local = createLocalAction({ killGraceMs: 500 });
const fake = createFakeCommandAction({
  [CONTRACT_COMMANDS.success]: { stdout: "hello\n", stderr: "careful\n" },
  [CONTRACT_COMMANDS.failure]: { stderr: "boom\n", exit: 3 },
  [CONTRACT_COMMANDS.json]: { stdout: '{"version":"1.2.3","ports":[80,443]}\n' },
  [CONTRACT_COMMANDS.background]: { hang: true },
});

commandContract([
  { name: "local", action: () => local, spec: (run, extra) => ({ run, ...extra }) as never, alive: processRunning },
  { name: "fake", action: () => fake, spec: (run, extra) => ({ run, ...extra }) as never, alive: (pid) => fake.alive(pid) },
]);
