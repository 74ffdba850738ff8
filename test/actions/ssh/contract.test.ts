import { afterAll, beforeAll, describe } from "vitest";
import type { SshActions } from "../../../src/actions/ssh/index.js";
import { processRunning } from "../../harness/processes.js";
import { sshdMissingReason } from "../../harness/sshd.js";
import type { Sshd } from "../../harness/sshd.js";
import { commandContract } from "../command-contract.js";
import { hostFor, startSshdWithActions, stopSshdWithActions } from "./helpers.js";

const missing = sshdMissingReason();

describe.skipIf(missing)(`the command contract over SSH${missing ? ` (skipped: ${missing})` : ""}`, () => {
  let sshd: Sshd;
  let actions: SshActions;

  beforeAll(async () => {
    ({ sshd, actions } = await startSshdWithActions({ killGraceMs: 500 }));
  });
  afterAll(() => stopSshdWithActions({ sshd, actions }));

  commandContract([
    {
      name: "ssh",
      action: () => actions.ssh,
      spec: (run, extra) => ({ host: "app01", run, ...extra }) as never,
      context: () => ({ host: (id: string) => (id === "app01" ? hostFor("app01", sshd) : undefined) }),
      // The sshd runs on this machine, so remote process ids are local ones.
      alive: processRunning,
    },
  ]);
});
