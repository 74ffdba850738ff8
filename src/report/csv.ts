import type { Plan } from "../model/plan.js";
import { csvField } from "./escape.js";

const COLUMNS = ["wave", "date", "window_start", "window_end", "application", "name", "owner", "criticality", "users", "effort", "runbook", "group", "site", "target", "disposition", "status", "reason"];

/**
 * `waves.csv`: one row per planned application (wave order, then id), then one per unplaced
 * application with its reason, for spreadsheets. CRLF line ends as RFC 4180 specifies.
 */
export function renderWavesCsv(plan: Pick<Plan, "waves" | "unplaced">): string {
  const lines = [COLUMNS.join(",")];
  for (const w of plan.waves) {
    for (const a of w.applications) {
      lines.push([w.number, w.date, w.window.start, w.window.end, a.id, a.name, a.owner, a.criticality, a.users, a.effort, a.runbook, a.group, a.site, a.target, a.disposition, "planned", ""].map(csvField).join(","));
    }
  }
  for (const u of plan.unplaced) lines.push(["", "", "", "", u.application, "", "", "", null, null, "", u.group ?? "", "", "", "", "unplaced", u.reason].map(csvField).join(","));
  return lines.join("\r\n") + "\r\n";
}
