import { describe, expect, it } from "vitest";
import { ActionError } from "../../src/actions/errors.js";
import { createApprovalAction } from "../../src/actions/approval.js";
import { testContext } from "../harness/action-context.js";

const approval = createApprovalAction();

describe("approval action", () => {
  it("throws gate-waiting, not started, while no approval is recorded", async () => {
    const err = await approval.run(testContext(), { message: "Service desk confirms users are logged off", approvers: ["j.smith"] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActionError);
    expect(err).toMatchObject({ code: "gate-waiting", outcome: "not-started", transient: false });
    expect((err as ActionError).message).toBe("Waiting for approval by one of j.smith: Service desk confirms users are logged off");
    expect((err as ActionError).hint).toContain("ferry gate approve");
  });

  it("returns who approved and when once the engine passes the recorded release", async () => {
    const ctx = testContext({ gate: { approvedBy: "j.smith", at: "2027-01-12T19:42:00Z" } });
    expect(await approval.run(ctx, { message: "go?" })).toEqual({ approvedBy: "j.smith", approvedAt: "2027-01-12T19:42:00Z" });
  });

  it("refuses a release by someone who is not a named approver", async () => {
    const ctx = testContext({ gate: { approvedBy: "intruder", at: "2027-01-12T19:42:00Z" } });
    const err = await approval.run(ctx, { message: "go?", approvers: ["j.smith", "a.patel"] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "gate-approver-not-allowed", outcome: "not-started" });
  });
});
