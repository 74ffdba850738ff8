/** What `ferry run --dry-run` prints: each action with how far it could be checked, then the totals. */
import type { DryItem, Fidelity } from "../../runs/dry-run.js";
import type { PreparedWave } from "../../runs/prepare.js";

const LABEL: Record<Fidelity, string> = {
  verified: "verified",
  failed: "FAILED",
  rendered: "rendered only",
  unverifiable: "not checked",
  "nothing-to-check": "nothing to check",
};

/** Print the dry run's items (one JSON document with `json`). Exit 0 when every probe and preflight passed, else 1. */
export function printDryRun(prepared: PreparedWave, items: DryItem[], json: boolean): number {
  const failed = items.filter((i) => i.fidelity === "failed");
  if (json) {
    process.stdout.write(JSON.stringify({ ok: failed.length === 0, dryRun: true, plan: prepared.plan.hash, wave: prepared.wave.number, items }) + "\n");
    return failed.length ? 1 : 0;
  }
  const out: string[] = [`dry run of wave ${prepared.wave.number} (${prepared.apps.length} application(s)): nothing is changed`];
  let app = "";
  for (const i of items) {
    if (i.app !== app) {
      app = i.app;
      out.push("", `${app}`);
    }
    out.push(`  ${`${i.phase} ${i.id}`.padEnd(32)} ${LABEL[i.fidelity]}: ${i.detail}`, `      ${i.kind === "local" || i.kind === "ssh" ? "$ " : `${i.kind} `}${i.rendered}`);
  }
  const counts = new Map<Fidelity, number>();
  for (const i of items) counts.set(i.fidelity, (counts.get(i.fidelity) ?? 0) + 1);
  out.push("", `${[...counts].map(([k, v]) => `${v} ${LABEL[k]}`).join(", ")}`);
  if (failed.length) out.push(`${failed.length} problem(s): ${failed.map((f) => `${f.app} ${f.phase} ${f.id}`).join(", ")}. Fix them before running the wave.`);
  process.stdout.write(out.join("\n") + "\n");
  return failed.length ? 1 : 0;
}
