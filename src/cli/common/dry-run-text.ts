/**
 * What `ferry run --dry-run` prints: the approval as it stands, each problem once with what it
 * blocks (one unreachable bastion is one problem, however many steps sit behind it), then each
 * application's actions with how far they could be checked.
 */
import type { DryRunResult, Fidelity } from "../../runs/dry-run.js";

const LABEL: Record<Fidelity, string> = {
  verified: "verified",
  failed: "FAILED",
  rendered: "rendered only",
  unverifiable: "not checked",
  "nothing-to-check": "nothing to check",
};

const APPROVAL: Record<DryRunResult["approval"]["status"], string> = {
  approved: "approved",
  missing: "not approved yet (the dry run needs no approval; the run will)",
  "not-required": "not required by change control",
  invalid: "the approval on file does not approve this wave",
};

/** A list cut to a line: the first few, then how many more. */
function some(list: string[], max = 4): string {
  return list.length <= max ? list.join(", ") : `${list.slice(0, max).join(", ")} and ${list.length - max} more`;
}

/** The dry run's report as text (or one JSON document with `json`). Exit 0 when nothing failed, else 1. */
export function printDryRun(result: DryRunResult, json: boolean, recordedAt: string): number {
  if (json) {
    process.stdout.write(JSON.stringify(result) + "\n");
    return result.ok ? 0 : 1;
  }
  const apps = new Set(result.items.map((i) => i.app));
  const out: string[] = [
    `dry run of wave ${result.wave} (${apps.size} application(s)): nothing is changed`,
    `approval: ${APPROVAL[result.approval.status]}${result.approval.detail ? `\n  ${result.approval.detail}` : ""}`,
  ];
  if (result.problems.length) {
    out.push("", `${result.problems.length} problem(s) to fix before the wave runs:`);
    result.problems.forEach((p, n) => {
      out.push(`  ${n + 1}. ${p.detail}`, `     blocks ${p.blocks.length} check(s): ${some(p.blocks.map((b) => `${b.app} ${b.phase} ${b.id}`))}`);
    });
  }
  const problemOf = new Map(result.problems.map((p, n) => [p.cause, n + 1]));
  let app = "";
  for (const i of result.items) {
    if (i.app !== app) {
      app = i.app;
      out.push("", `${app}`);
    }
    const n = i.fidelity === "failed" && i.cause ? problemOf.get(i.cause) : undefined;
    out.push(`  ${`${i.phase} ${i.id}`.padEnd(32)} ${LABEL[i.fidelity]}: ${n ? `problem ${n}` : i.detail}`, `      ${i.kind === "local" || i.kind === "ssh" ? "$ " : `${i.kind} `}${i.rendered}`);
  }
  const counts = new Map<Fidelity, number>();
  for (const i of result.items) counts.set(i.fidelity, (counts.get(i.fidelity) ?? 0) + 1);
  out.push("", `${[...counts].map(([k, v]) => `${v} ${LABEL[k]}`).join(", ")}`, `result recorded in ${recordedAt}`);
  process.stdout.write(out.join("\n") + "\n");
  return result.ok ? 0 : 1;
}
