import { afterAll, beforeAll, describe } from "vitest";
import { createSshActions } from "../../../src/actions/ssh/index.js";
import type { SshActions } from "../../../src/actions/ssh/index.js";
import { processRunning } from "../../harness/processes.js";
import { makeClientKey, sshdMissingReason, startSshd } from "../../harness/sshd.js";
import type { Sshd } from "../../harness/sshd.js";
import { commandContract } from "../command-contract.js";
import { hostFor, knownHostsFile, projectDir, removeTempDirs, tempDir } from "./helpers.js";

const missing = sshdMissingReason();

describe.skipIf(missing)(`the command contract over SSH${missing ? ` (skipped: ${missing})` : ""}`, () => {
  let sshd: Sshd;
  let actions: SshActions;

  beforeAll(async () => {
    const key = makeClientKey(tempDir("ferry-key-"));
    sshd = await startSshd({ authorizedKeys: [key.publicKey] });
    actions = createSshActions({
      projectDir: projectDir(),
      knownHostsFiles: [knownHostsFile(sshd.knownHostsLines)],
      sshConfigPath: false,
      agent: false,
      identityFiles: [key.privateKeyPath],
      killGraceMs: 500,
    });
  });
  afterAll(async () => {
    await actions?.close();
    await sshd?.stop();
    removeTempDirs();
  });

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
