/** What a runbook needs from the operator is declared, listed, and checked all at once before anything runs. */
import { describe, expect, it } from "vitest";
import { ferryIn, planAndApprove, runProject } from "./run-project.js";

describe("requirements", () => {
  it("ferry run names every missing variable and tool at once, without printing the environment, before anything runs", async () => {
    const dir = runProject([{ id: "crm", runbook: "needs" }], {
      needs: `requires:
  env:
    - { name: FERRY_TEST_DNS_SERVER, for: "the primary DNS server" }
    - FERRY_TEST_KEY_FILE
  tools:
    - { name: ferry-no-such-tool, for: "changes the DNS records" }
    - sh
steps:
  - id: s
    local: { run: "echo {{ env.FERRY_TEST_DNS_SERVER }} {{ env.FERRY_TEST_KEY_FILE }} >> ledger" }
`,
    });
    const plan = await planAndApprove(dir);
    for (const extra of [[], ["--dry-run"]]) {
      const r = await ferryIn(dir, ["run", "--plan", plan, "--wave", "1", ...extra], { FERRY_TEST_KEY_FILE: "/etc/key", SOME_OTHER_VARIABLE: "not-to-be-listed" });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain("this machine lacks 2 thing(s) the wave's runbooks need; nothing has connected");
      expect(r.stderr).toContain("environment variable FERRY_TEST_DNS_SERVER: the primary DNS server (runbook needs)");
      expect(r.stderr).toContain("tool on PATH ferry-no-such-tool: changes the DNS records (runbook needs)");
      expect(r.stderr).not.toContain("SOME_OTHER_VARIABLE");
      expect(r.stderr).not.toContain("FERRY_TEST_KEY_FILE");
    }
    const listed = await ferryIn(dir, ["requirements", "--plan", plan, "--wave", "1"], { FERRY_TEST_KEY_FILE: "/etc/key" });
    expect(listed.stdout).toMatch(/✗ env {2}FERRY_TEST_DNS_SERVER/);
    expect(listed.stdout).toMatch(/✓ tool sh/);
    expect(listed.stdout).toContain("2 missing on this machine.");
  });
});
