/**
 * Issue 12, item 13 through the engine: a secret straddling the 64 KiB output cut leaves no
 * part of itself in the journal (and so in journal.ndjson, status and reports).
 */
import { describe, expect, it } from "vitest";
import { estate, prepareAll, realActions, runbook, runWith } from "./helpers.js";

const SECRET = "s3cr3t-Ab9Kq2Lm7Xw4Pz8Rt6J";
const LIMIT = 64 * 1024;

describe("the journal of a step whose output is cut", () => {
  it("holds no piece of a secret that straddled the cut", async () => {
    const rb = runbook("chatty", {
      steps: [
        {
          id: "dump",
          local: { run: `head -c 1000 /dev/zero | tr '\\0' x; printf %s {{ env.DB_PASSWORD }}; head -c ${LIMIT - 16} /dev/zero | tr '\\0' y` },
        },
      ],
    });
    const est = estate([{ id: "payroll" }]);
    const run = await runWith(prepareAll(est, rb, { DB_PASSWORD: SECRET }), est, realActions());
    expect(run.exitCode).toBe(0);
    const journal = JSON.stringify(run.events);
    expect(journal).toContain("yyyy");
    for (let len = SECRET.length; len >= 6; len--) {
      for (let i = 0; i + len <= SECRET.length; i++) expect(journal).not.toContain(SECRET.slice(i, i + len));
    }
  });
});
