import { escapeMarkdown as md, mermaidLabel } from "./escape.js";
import { MAX_GRAPH_NODES } from "./graph-svg.js";
import type { PackLink, PackModel, PackWave } from "./pack-model.js";

/** Gantt task names end at `:` and cannot hold `#` or `;`; keep a safe subset. */
function ganttName(text: string): string {
  return text.replace(/[:#;\r\n]/g, " ").replace(/\s+/g, " ").trim() || "item";
}

function row(cells: (string | number)[]): string {
  return `| ${cells.map((c) => (typeof c === "number" ? String(c) : c)).join(" | ")} |`;
}

function code(text: string): string {
  // Inline code cannot be escaped inside; fall back to escaped text when it holds a backtick or pipe.
  return /[`|\r\n]/.test(text) ? md(text) : `\`${text}\``;
}

function other(l: PackLink): string {
  return l.otherWave === undefined ? "" : typeof l.otherWave === "number" ? `wave ${l.otherWave}` : l.otherWave;
}

function calendarGantt(model: PackModel): string {
  const lines = ["```mermaid", "gantt", "  title Wave calendar", "  dateFormat YYYY-MM-DD", "  axisFormat %d %b %y"];
  const freezes = model.calendar?.freezes ?? [];
  if (freezes.length) {
    lines.push("  section Freezes");
    freezes.forEach((f, i) => lines.push(`  ${ganttName(f.reason)} :crit, f${i + 1}, ${f.from}, ${f.to}`));
  }
  lines.push("  section Waves");
  for (const w of model.waves) lines.push(`  Wave ${w.number} (${w.load.applications} apps) :milestone, w${w.number}, ${w.date}, 0d`);
  lines.push("```");
  return lines.join("\n");
}

function waveFlowchart(w: PackWave): string | undefined {
  const links = [...w.internal, ...w.crossing];
  if (links.length === 0) return undefined;
  const here = new Set(w.applications.map((a) => a.id));
  const ids = [...new Set(links.flatMap((l) => [l.from, l.to]))].sort();
  if (ids.length > MAX_GRAPH_NODES) return undefined;
  const where = new Map<string, string>();
  for (const l of w.crossing) where.set(here.has(l.from) ? l.to : l.from, other(l));
  const key = new Map(ids.map((id, i) => [id, `n${i}`]));
  const lines = ["```mermaid", "flowchart LR"];
  for (const id of ids) {
    const text = here.has(id) ? id : `${id} (${where.get(id) ?? "elsewhere"})`;
    lines.push(`  ${key.get(id)}[${mermaidLabel(text)}]`);
  }
  for (const l of links) lines.push(`  ${key.get(l.from)} ${l.kind === "together" ? "==>" : l.kind === "none" ? "-.->" : "-->"} ${key.get(l.to)}`);
  const externals = ids.filter((id) => !here.has(id)).map((id) => key.get(id));
  if (externals.length) lines.push("  classDef other stroke-dasharray: 4 3", `  class ${externals.join(",")} other`);
  lines.push("```");
  return lines.join("\n");
}

function waveSection(w: PackWave, model: PackModel): string {
  const out: string[] = [];
  out.push(`## Wave ${w.number}: ${w.date}`, "", `Plan \`${model.hash}\``, "");
  out.push(`Window ${md(w.window.start)} to ${md(w.window.end)}. Load: ${w.load.applications} applications, effort ${w.load.effort}, ${w.load.users} users.`, "");
  if (w.kept) out.push(`> Kept as it was from wave ${w.kept.wave} of the earlier plan \`${w.kept.plan}\` (${md(w.kept.because)}); not re-planned.`, "");
  if (w.changes.length) {
    out.push("### Network re-addressing (before the applications move)", "", row(["change", "runbook", "site", "legacy → new prefix", "device", "before these applications move"]), row(Array(6).fill("---")));
    for (const c of w.changes) out.push(row([code(c.id), code(c.runbook), md(c.site), `${code(c.legacyPrefix)} → ${code(c.newPrefix ?? "see ferry network")}`, md(c.host ?? ""), c.before.slice(0, 12).map(code).join(", ") + (c.before.length > 12 ? ` and ${c.before.length - 12} more` : "")]));
    out.push("");
  }
  out.push("### Applications", "", row(["id", "name", "owner", "criticality", "users", "effort", "runbook", "from → to", "group"]), row(Array(9).fill("---")));
  for (const a of w.applications) {
    out.push(row([code(a.id), md(a.name ?? "") + (a.deferredBy ? ` (held out of the wave on ${md(a.deferredBy.skipped)} by **${md(a.deferredBy.blackout)}**)` : ""), md(a.owner ?? ""), md(a.criticality ?? ""), a.users ?? "", a.effort ?? "", code(a.runbook), `${md(a.site ?? "—")} → ${md(a.target ?? (a.disposition === "retire" ? "retired" : "—"))}`, code(a.group)]));
  }
  out.push("", "### Rollback plans", "");
  for (const r of w.runbooks) {
    out.push(`**${md(r.name)}**${r.current === false ? " (changed since the plan was made)" : ""}`, "");
    if (!r.rollback) out.push("Runbook not available to the report; rollback summary not shown.", "");
    else out.push(...r.rollback.map((x, i) => `${i + 1}. undo ${code(x.step)}: ${x.action ? `${x.action} ${code(x.detail)}` : `_${md(x.detail)}_`}`), "");
  }
  out.push("### Dependencies that cross waves", "");
  if (w.crossing.length) {
    out.push(row(["application", "link", "other application", "where it is"]), row(Array(4).fill("---")));
    for (const l of w.crossing) out.push(row([code(l.from), l.kind === "together" ? "moves together with" : l.kind === "none" ? "uses (no order)" : l.retiring ? "depends on (being retired: switched off after this moves)" : "depends on", code(l.to), md(other(l))]));
  } else out.push(model.hasDependencies ? "No dependencies cross into other waves." : "Dependencies unavailable (report made without the estate).");
  out.push("", "### Dependency graph", "");
  out.push(waveFlowchart(w) ?? (w.internal.length + w.crossing.length ? `Graph left out: more than ${MAX_GRAPH_NODES} applications are linked; see the tables.` : "No dependencies to draw."));
  out.push("", "### Data sets", "");
  if (w.datasets.length) {
    out.push(row(["data set", "application", "decision", "size (GB)", "retain until"]), row(Array(5).fill("---")));
    for (const d of w.datasets) out.push(row([code(d.id), code(d.application), md(d.decision), d.sizeGb, md(d.retainUntil ?? "")]));
  } else out.push("No data sets recorded for this wave's applications.");
  out.push("", "### Warnings", "");
  out.push(w.warnings.length ? w.warnings.map((x) => `- \`${x.code}\` ${md(x.message)}`).join("\n") : "No warnings concern this wave.");
  return out.join("\n");
}

/** The change-board pack as Markdown with Mermaid diagrams (renders on GitHub and Azure DevOps). */
export function renderMarkdownPack(model: PackModel): string {
  const cal = model.calendar;
  const out: string[] = ["# Change-board pack", "", `Plan \`${model.hash}\` · inputs \`${model.inputsDigest}\``, ""];
  if (model.drift.length) out.push("> **The inputs changed since this plan was made.** Re-plan before approving.", ...model.drift.map((d) => `> - ${md(d)}`), "");
  out.push(
    `- Target stack: ${md(model.targetStack ?? "none")}`,
    `- Applications: ${model.counts.planned} planned in ${model.counts.waves} waves; ${model.counts.unplaced} unplaced`,
    `- Warnings: ${model.warningsByCode.length ? model.warningsByCode.map(([c, n]) => `\`${c}\` ${n}`).join(", ") : "none"}`,
  );
  if (cal) {
    out.push(
      `- Calendar: every ${cal.cadenceDays} days from ${cal.firstWave}, ${cal.horizonWaves} slots (to ${cal.lastSlot ?? ""}), window ${md(cal.window.start)}–${md(cal.window.end)} ${md(cal.window.timezone)}`,
      `- Capacity per wave: ${Object.entries(cal.capacity).map(([k, v]) => `${k} ${v}`).join(", ") || "unlimited"}`,
    );
  }
  out.push("", "## Waves", "", row(["wave", "date", "applications", "effort", "users", "warnings"]), row(Array(6).fill("---")));
  for (const w of model.waves) out.push(row([`[${w.number}](#wave-${w.number}-${w.date})`, w.date, w.load.applications, w.load.effort, w.load.users, w.warnings.length]));
  out.push("", "## Wave calendar", "", calendarGantt(model), "");
  if (cal?.freezes.length) out.push(...cal.freezes.map((f) => `- Freeze ${f.from} to ${f.to}: ${md(f.reason)}`), "");
  for (const w of model.waves) out.push(waveSection(w, model), "");
  out.push(`## Unplaced applications (${model.unplaced.length})`, "", `Plan \`${model.hash}\``, "");
  if (model.unplaced.length) {
    out.push(row(["application", "group", "reason"]), row(Array(3).fill("---")));
    for (const u of model.unplaced) out.push(row([code(u.application), code(u.group ?? ""), md(u.reason)]));
  } else out.push("Every planned application has a wave.");
  out.push("", `## Warnings (${model.warnings.length})`, "");
  out.push(model.warnings.length ? model.warnings.map((w) => `- \`${w.code}\` ${md(w.message)}`).join("\n") : "No warnings.");
  return out.join("\n") + "\n";
}
