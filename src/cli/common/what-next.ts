/**
 * The command to type next for a run in each state, so no state leaves the operator guessing:
 * the same words in `ferry status` and after `ferry run`/`resume`/`rollback`.
 */
import { undoable, type RunState } from "../../engine/state.js";

/** What a person should do next about run `s` (`live`: a process works on it now). */
export function whatNext(s: RunState, live: boolean, stateFlag: string): string {
  const run = s.runId;
  const f = stateFlag;
  const apps = [...s.apps.values()];
  const uncertain = apps.flatMap((a) => [...a.steps.values()].filter((st) => st.status === "uncertain").map((st) => ({ app: a.id, step: st.id })));
  const waiting = apps.flatMap((a) => [...a.steps.values()].filter((st) => st.status === "waiting" && a.status === "waiting").map((st) => ({ app: a.id, step: st.id })));
  const manual = apps.filter((a) => a.status === "rollback-failed");
  const paused = apps.filter((a) => a.status === "paused");
  if (live) return `it is running now: \`ferry logs ${run} --follow${f}\` shows its progress`;
  if (manual.length) return `a person must finish ${manual.map((a) => `${a.id}'s ${(a.manual ?? []).join(", ") || "rollback"}`).join("; ")} by hand, then \`ferry resume ${run} --app APP --step-done STEP${f}\``;
  if (uncertain.length) return `inspect ${uncertain.map((u) => `${u.app} ${u.step}`).join(", ")}, then \`ferry resume ${run} --app APP --step-done STEP${f}\` (or --step-failed, --step-retry)`;
  if (paused.length) {
    return `fix what made ${paused.map((a) => a.id).join(", ")} fail (\`ferry logs ${run}${f}\`), then \`ferry resume ${run} --retry-failed${f}\` runs the failed step again; or \`ferry rollback ${run} --app ${paused[0]!.id}${f}\` undoes it`;
  }
  if (waiting.length) return `\`ferry gate approve ${run} --app ${waiting[0]!.app} --step ${waiting[0]!.step} --by NAME${f}\`, then \`ferry resume ${run}${f}\``;
  if (!s.finished) return `\`ferry resume ${run}${f}\` continues it, or \`ferry rollback ${run}${f}\` undoes what it did`;
  const left = apps.filter(undoable);
  if (s.status === "rolled-back" && s.rollbackApps && left.length) {
    return `nothing for ${s.rollbackApps.join(", ")}, rolled back; ${left.map((a) => a.id).join(", ")} stay${left.length === 1 ? "s" : ""} in place (\`ferry rollback ${run}${f}\` undoes the rest)`;
  }
  if (s.status === "succeeded") return `nothing; to undo it: \`ferry rollback ${run}${f}\``;
  if (s.status === "rolled-back" && s.rollback) return "nothing: every application it completed was rolled back";
  return `fix the cause (\`ferry logs ${run}${f}\`), then start a new \`ferry run\` for the applications that did not finish, or \`ferry rollback ${run}${f}\` to undo the ones that did`;
}
