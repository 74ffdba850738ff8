/**
 * Release an approval gate inside a run. The release is a journal record bound to the run, the
 * step and the plan hash, with the approver's name and, where it is signed (always where change
 * control requires signed approvals), their SSH signature over exactly that; the engine passes
 * the gate on the next resume. Takes the run lock, so it is done while the run is stopped at
 * its gates.
 */
import { approveGate } from "../engine/resume.js";
import { canonicalJson } from "../model/canonical-json.js";
import { FerryError } from "../model/codes.js";
import { UsageError } from "../model/diagnostics.js";
import { APPROVAL_NAMESPACE, keysOf, signMessage, verifySignature } from "../journal/ssh-signature.js";
import { allowedSignersPath, revokedKeysPath } from "./approval.js";
import { openRun, readRunState } from "./continue.js";
import { loadContextProject, type RunsContext } from "./context.js";

export interface GateApproval {
  app: string;
  /** The approval step. */
  step: string;
  /** Who approves: not the operator who started the run, unless the gate lists them. */
  by: string;
  /** A private key file to sign with; without it, the ssh-agent's key listed for `by`. */
  key?: string;
  /** Clock, for tests. @default () => new Date() */
  now?: () => Date;
}

/** What a gate release's signature covers: run, application, step, plan, approver and time, canonical JSON. */
export function gateSignedText(r: { run: string; app: string; step: string; planHash?: string; by: string; signedAt: string }): string {
  return canonicalJson({ kind: "GateApproval", run: r.run, app: r.app, step: r.step, plan: r.planHash ?? "", by: r.by, signedAt: r.signedAt });
}

/** Journal the release of gate `step` of `app` in run `runId`, signed where it can or must be. */
export async function approveRunGate(ctx: Pick<RunsContext, "dir" | "stateDir" | "state" | "operator" | "warn" | "env" | "loadProject">, runId: string, gate: GateApproval): Promise<{ key?: string }> {
  const by = gate.by.trim();
  if (!by) throw new UsageError("--by must name the approver");
  const project = await loadContextProject(ctx);
  const mustSign = project.estate.changeControl?.requireSignedApprovals === true;
  const signers = allowedSignersPath(ctx.dir);
  const journal = await openRun(ctx, runId);
  try {
    const state = await readRunState(journal, runId);
    const planHash = state.started.planHash || undefined;
    let signed: { key: string; signature: string; signedAt: string } | undefined;
    if (gate.key !== undefined || mustSign || ctx.env.SSH_AUTH_SOCK !== undefined) {
      const signedAt = (gate.now ?? (() => new Date()))().toISOString();
      const text = gateSignedText({ run: runId, app: gate.app, step: gate.step, ...(planHash ? { planHash } : {}), by, signedAt });
      try {
        const sig = await signMessage(text, { namespace: APPROVAL_NAMESPACE, principal: by, allowedSigners: signers, env: ctx.env, ...(gate.key ? { key: gate.key } : {}) });
        const who = await verifySignature({
          message: text,
          signature: sig.signature,
          namespace: APPROVAL_NAMESPACE,
          file: `the release of ${gate.step}`,
          allowedSigners: signers,
          revokedKeys: revokedKeysPath(ctx.dir),
          principal: by,
          env: ctx.env,
        });
        signed = { key: who.fingerprint, signature: sig.signature, signedAt };
      } catch (err) {
        // Unsigned is still allowed where nothing requires a signature and no key was named.
        if (gate.key !== undefined || mustSign || !(err instanceof FerryError && err.code === "signing-failed")) throw err;
      }
    }
    if (mustSign && !signed) throw new FerryError("approval-unsigned", "change control requires signed approvals, and this release is not signed", "Pass --key FILE, or load your key into ssh-agent.");
    // The operator's keys: those allowed_signers lists under the name that started the run.
    const operatorKeys = await keysOf(signers, state.started.operator);
    await approveGate(journal, state, { app: gate.app, step: gate.step, by, ...(signed ? { signed } : {}), operatorKeys });
    return signed ? { key: signed.key } : {};
  } finally {
    await journal.close();
  }
}
