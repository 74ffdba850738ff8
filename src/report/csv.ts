import type { Plan, PlanWarning } from "../model/plan.js";
import { csvField } from "./escape.js";
import { warningsByApplication, type PackModel, type PackRow } from "./pack-model.js";

const COLUMNS = ["wave", "date", "window_start", "window_end", "application", "name", "owner", "criticality", "users", "effort", "runbook", "group", "site", "target", "disposition", "status", "reason", "warnings", "risk"];

function warningText(list: readonly PlanWarning[] | undefined): string {
  return (list ?? []).map((w) => `${w.code}: ${w.message}`).join(" | ");
}

/**
 * `waves.csv`: one row per planned application (wave order, then id), then one per unplaced
 * application with its reason, for spreadsheets. `name`, `owner`, `criticality`, `users`,
 * `effort` and `disposition` are the estate's, as the pack model read them (empty without the
 * estate); `warnings` holds every warning that names the application (`code: message`,
 * separated by ` | `); `risk` its rating and points (`high (5)`). CRLF line ends as RFC 4180
 * specifies.
 */
export function renderWavesCsv(plan: Pick<Plan, "waves" | "unplaced" | "warnings">, model?: Pick<PackModel, "waves">): string {
  const warningsOf = warningsByApplication(plan.warnings);
  const appOf = new Map<string, PackRow>();
  for (const w of model?.waves ?? []) for (const a of w.rows) appOf.set(a.id, a);
  const lines = [COLUMNS.join(",")];
  for (const w of plan.waves) {
    // The wave's four columns are the same on each of its rows.
    const wave = [w.number, w.date, w.window.start, w.window.end].map(csvField).join(",");
    for (const a of w.applications) {
      const p = appOf.get(a.id);
      const risk = p ? `${p.risk.level} (${p.risk.points})` : "";
      lines.push(`${wave},${[a.id, p?.name, p?.owner, p?.criticality, p?.users, p?.effort, a.runbook, a.group, a.site, a.target, p?.disposition, "planned", "", warningText(warningsOf.get(a.id)), risk].map(csvField).join(",")}`);
    }
  }
  for (const u of plan.unplaced) lines.push(["", "", "", "", u.application, "", "", "", null, null, "", u.group ?? "", "", "", "", "unplaced", u.reason, warningText(warningsOf.get(u.application)), ""].map(csvField).join(","));
  return lines.join("\r\n") + "\r\n";
}
