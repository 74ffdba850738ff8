import { ActionError } from "./errors.js";
import type { Action, ActionContext, ActionOutput } from "./types.js";
import type { ApprovalSpec } from "../model/runbook.js";

/**
 * The `approval` action never approves anything itself. Without `ctx.gate` it throws the
 * `gate-waiting` ActionError (outcome `not-started`): the engine journals `gate.waiting`,
 * parks this application (others go on) and the run exits 4. After `ferry gate approve`
 * the engine resumes the step with the recorded release in `ctx.gate`, and the action
 * returns `{ approvedBy, approvedAt }`. A release by someone not in `approvers` is refused.
 */
export function createApprovalAction(): Action<"approval"> {
  return {
    kind: "approval",
    async run(ctx: ActionContext, spec: ApprovalSpec): Promise<ActionOutput> {
      const gate = ctx.gate;
      if (gate === undefined) {
        const who = spec.approvers?.length ? ` by one of ${spec.approvers.join(", ")}` : "";
        throw new ActionError("gate-waiting", `Waiting for approval${who}: ${spec.message}`, {
          outcome: "not-started",
          transient: false,
          hint: "Release it with `ferry gate approve RUN --app APP --step STEP --by NAME`, then `ferry resume RUN`.",
        });
      }
      if (spec.approvers !== undefined && spec.approvers.length > 0 && !spec.approvers.includes(gate.approvedBy)) {
        throw new ActionError("gate-approver-not-allowed", `Approval by ${gate.approvedBy} does not count: this gate needs one of ${spec.approvers.join(", ")}`, {
          outcome: "not-started",
          transient: false,
          hint: "Ask one of the named approvers to run `ferry gate approve`.",
        });
      }
      return { approvedBy: gate.approvedBy, approvedAt: gate.at };
    },
  };
}
