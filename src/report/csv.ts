import type { Plan, PlanWarning } from "../model/plan.js";
import { csvField } from "./escape.js";
import { warningsByApplication, type PackModel } from "./pack-model.js";

const COLUMNS = ["wave", "date", "window_start", "window_end", "application", "name", "owner", "criticality", "users", "effort", "runbook", "group", "site", "target", "disposition", "status", "reason", "warnings", "risk"];

function warningText(list: readonly PlanWarning[] | undefined): string {
  return (list ?? []).map((w) => `${w.code}: ${w.message}`).join(" | ");
}

/**
 * `waves.csv`: one row per planned application (wave order, then id), then one per unplaced
 * application with its reason, for spreadsheets. `warnings` holds every warning that names the
 * application (`code: message`, separated by ` | `); `risk` its rating and points when the pack
 * model is given (`high (5)`). CRLF line ends as RFC 4180 specifies.
 */
export function renderWavesCsv(plan: Pick<Plan, "waves" | "unplaced" | "warnings">, model?: Pick<PackModel, "waves">): string {
  const warningsOf = warningsByApplication(plan.warnings);
  const riskOf = new Map<string, string>();
  for (const w of model?.waves ?? []) for (const a of w.apps) riskOf.set(a.id, `${a.risk.level} (${a.risk.points})`);
  const lines = [COLUMNS.join(",")];
  for (const w of plan.waves) {
    for (const a of w.applications) {
      lines.push([w.number, w.date, w.window.start, w.window.end, a.id, a.name, a.owner, a.criticality, a.users, a.effort, a.runbook, a.group, a.site, a.target, a.disposition, "planned", "", warningText(warningsOf.get(a.id)), riskOf.get(a.id) ?? ""].map(csvField).join(","));
    }
  }
  for (const u of plan.unplaced) lines.push(["", "", "", "", u.application, "", "", "", null, null, "", u.group ?? "", "", "", "", "unplaced", u.reason, warningText(warningsOf.get(u.application)), ""].map(csvField).join(","));
  return lines.join("\r\n") + "\r\n";
}
