import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ActionError } from "../../src/actions/errors.js";
import { createPulumiAction } from "../../src/actions/pulumi.js";
import { testContext, timeoutReason } from "../harness/action-context.js";
import { makeFakePulumi } from "../harness/fake-pulumi.js";

const savedPath = process.env.PATH;
afterEach(() => {
  process.env.PATH = savedPath;
});
/** Only system directories: no pulumi CLI, whatever the developer has installed. */
const withoutPulumi = () => (process.env.PATH = "/usr/bin:/bin");

describe("pulumi action without the CLI", () => {
  it("fails fast with pulumi-missing and an install hint", async () => {
    withoutPulumi();
    const project = mkdtempSync(join(tmpdir(), "ferry-pulumi-"));
    const started = Date.now();
    const err = await createPulumiAction()
      .run(testContext({ cwd: project }), { stack: "prod", operation: "preview" })
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err).toBeInstanceOf(ActionError);
    expect(err).toMatchObject({ code: "pulumi-missing", outcome: "not-started", transient: false });
    expect((err as ActionError).message).toBe("The `pulumi` CLI is not installed (not found on PATH); `ferry deploy` and pulumi steps drive it through the Automation API");
    expect((err as ActionError).hint).toContain("curl -fsSL https://get.pulumi.com | sh");
  });

  it("reports the missing CLI in a dry run too", async () => {
    withoutPulumi();
    const err = await createPulumiAction().preflight!(testContext(), { stack: "prod", operation: "up" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "pulumi-missing" });
  });
});

// A shell-script `pulumi` stands in for the CLI so the Automation API's errors can be classified.
describe("pulumi action against a stand-in CLI", () => {
  const PENDING = JSON.stringify({
    version: 3,
    deployment: { pending_operations: [{ type: "creating", resource: { urn: "urn:pulumi:prod::ferry::azure-native:network:VirtualNetwork::hub" } }] },
  });

  it("classifies a stack locked by another update as pulumi-concurrent-update, not transient", async () => {
    const fake = makeFakePulumi({ up: `echo 'error: [409] Conflict: Another update is currently in progress.' >&2; exit 255` });
    process.env.PATH = `${fake.binDir}:${savedPath}`;
    const err = await createPulumiAction()
      .run(testContext({ cwd: fake.projectDir }), { stack: "prod", operation: "up" })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "pulumi-concurrent-update", transient: false, outcome: "not-started" });
    expect((err as ActionError).hint).toContain("never cancels");
    expect(fake.calls().some((c) => c.argv.startsWith("cancel"))).toBe(false);
  });

  it("names the stack, the CLI's error and the pending operations when an up fails", async () => {
    const fake = makeFakePulumi({
      up: `echo 'Updating (prod)'; echo 'error: hub: AnotherOperationInProgress' >&2; exit 255`,
      "stack export": `echo '${PENDING}'`,
    });
    process.env.PATH = `${fake.binDir}:${savedPath}`;
    const ctx = testContext({ cwd: fake.projectDir });
    const err = (await createPulumiAction().run(ctx, { stack: "prod", operation: "up" }).catch((e: unknown) => e)) as ActionError;
    expect(err).toMatchObject({ code: "pulumi-failed", outcome: "unknown", transient: false });
    expect(err.message).toContain("pulumi up of stack prod failed; pending operations left in the stack state");
    expect(err.message).toContain("creating urn:pulumi:prod::ferry::azure-native:network:VirtualNetwork::hub");
    expect(err.message).toContain("AnotherOperationInProgress");
    expect(ctx.lines).toContainEqual({ stream: "stdout", line: "Updating (prod)" });
  });

  it("interrupts only its own CLI on timeout, never with `pulumi cancel`", async () => {
    const fake = makeFakePulumi({
      // The sleep must not hold the CLI's output pipes: SIGINT can land between starting it and
      // noting its pid, and an orphan holding stdout would keep the CLI "running" for 30 s.
      up: `trap '[ -n "$child" ] && kill $child; echo interrupted >&2; exit 130' INT; echo 'Updating (prod)'; sleep 30 >/dev/null 2>&1 & child=$!; wait $child`,
      "stack export": `echo '${PENDING}'`,
    });
    process.env.PATH = `${fake.binDir}:${savedPath}`;
    const ctx = testContext({ cwd: fake.projectDir });
    const pending = createPulumiAction().run(ctx, { stack: "prod", operation: "up" }).catch((e: unknown) => e);
    await ctx.firstLine();
    ctx.controller.abort(timeoutReason());
    const err = (await pending) as ActionError;
    expect(err).toMatchObject({ code: "timeout", outcome: "unknown" });
    expect(err.message).toContain("Timed out: interrupted pulumi up of stack prod; pending operations");
    expect(fake.calls().map((c) => c.argv.split(" ")[0])).not.toContain("cancel");
  });

  it("gives secrets to the CLI through its environment, not its arguments", async () => {
    const fake = makeFakePulumi({ preview: "exit 255" });
    process.env.PATH = `${fake.binDir}:${savedPath}`;
    const secret = "passphrase-7f3a9c";
    await createPulumiAction()
      .run(testContext({ cwd: fake.projectDir, secrets: new Map([["FERRY_TEST_SECRET", secret]]) }), { stack: "prod", operation: "preview" })
      .catch(() => undefined);
    const calls = fake.calls().filter((c) => !c.argv.startsWith("version"));
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => c.env === secret)).toBe(true);
    expect(calls.some((c) => c.argv.includes(secret))).toBe(false);
  });
});
