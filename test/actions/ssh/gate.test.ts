/**
 * The gate of a step's ssh command (issue 12, item 2): the command runs only after ferry has
 * journalled its remote process group, output and stdin are exactly as without the gate, and a
 * refusal to journal means the command never runs.
 */
import { chmodSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProcessRef } from "../../../src/model/run-event.js";
import { ActionError } from "../../../src/actions/errors.js";
import { sshdMissingReason } from "../../harness/sshd.js";
import type { Sshd } from "../../harness/sshd.js";
import type { SshActions } from "../../../src/actions/ssh/index.js";
import { hostFor, makeCtx, startSshdWithActions, stopSshdWithActions, tempDir } from "./helpers.js";

const missing = sshdMissingReason();

describe.skipIf(missing)(`gated ssh commands${missing ? ` (skipped: ${missing})` : ""}`, () => {
  const started: { sshd?: Sshd; actions?: SshActions } = {};
  beforeAll(async () => Object.assign(started, await startSshdWithActions()));
  afterAll(() => stopSshdWithActions(started));

  it("runs after the group is journalled, with env, stdin and output as without the gate", async () => {
    const ctx = makeCtx([hostFor("app01", started.sshd!)]);
    const seen: ProcessRef[] = [];
    ctx.started = async (p) => {
      seen.push(p);
    };
    const out = await started.actions!.ssh.run(ctx, { host: "app01", run: 'echo "$GREETING"; cat; echo "pgid=$(ps -o pgid= -p $$ | tr -d " ")"', env: { GREETING: "hello there" }, stdin: "line one\nline two\n" });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ host: "app01", pgid: expect.any(Number), boot: expect.stringMatching(/^[0-9a-f-]+$/), start: expect.stringMatching(/^\d+$/) });
    expect(out.stdout).toBe(`hello there\nline one\nline two\npgid=${seen[0]!.pgid}`);
  });

  it("with a PTY, the echoed go line is not part of the output", async () => {
    const ctx = makeCtx([hostFor("app01", started.sshd!)]);
    ctx.started = async () => {};
    const out = await started.actions!.ssh.run(ctx, { host: "app01", run: "echo one; echo two", pty: true });
    expect(out.stdout).toBe("one\ntwo");
  });

  it("never runs the command when the group cannot be journalled", async () => {
    const dir = tempDir("ferry-gate-");
    chmodSync(dir, 0o777);
    const marker = join(dir, "ran");
    const ctx = makeCtx([hostFor("app01", started.sshd!)]);
    ctx.started = () => Promise.reject(new Error("journal full"));
    const err = await started.actions!.ssh.run(ctx, { host: "app01", run: `touch ${marker}` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActionError);
    expect(err).toMatchObject({ outcome: "not-started" });
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(marker)).toBe(false);
  });
});
