/** On a terminal that reports no size (0×0), the run still shows its progress: plain lines, not an empty live view. */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FERRY } from "../helpers/cli.js";
import { skipUnlessCi } from "../harness/missing-tool.js";
import { planAndApprove, runProject } from "./run-project.js";

const missing = skipUnlessCi(existsSync("/usr/bin/script") ? undefined : "script(1) is not installed (util-linux)");

describe.skipIf(missing)(`a run on a terminal without a size${missing ? ` (skipped: ${missing})` : ""}`, () => {
  it("prints its progress as plain lines", async () => {
    const dir = runProject([{ id: "crm", runbook: "ok" }], { ok: `steps:\n  - id: move\n    local: { run: "true" }\n` });
    const plan = await planAndApprove(dir);
    // script(1) gives the command a real terminal; stty makes it report 0 rows and 0 columns.
    const cmd = `stty rows 0 cols 0; FERRY_OPERATOR=operator "${process.execPath}" "${FERRY}" run --plan "${plan}" --wave 1 --dir "${dir}"`;
    const r = spawnSync("script", ["-qec", cmd, "/dev/null"], { encoding: "utf8", timeout: 60_000 });
    const out = r.stdout.replaceAll("\r", "");
    expect(r.status, out).toBe(0);
    expect(out).toMatch(/\d\d:\d\d:\d\d crm: move started/);
    expect(out).toMatch(/run \S+ succeeded \(exit 0\)/);
  });
});
