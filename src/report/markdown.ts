import { escapeMarkdown as md, mermaidLabel } from "./escape.js";
import { MAX_GRAPH_NODES } from "./graph-svg.js";
import type { PackApp, PackDetailWave, PackLink, PackModel, PackSummaryWave, PackWave } from "./pack-model.js";
import { RISK_BANDS, RISK_RULES, type RiskLevel } from "./risk.js";
import { timingSentences, type PackTiming } from "./timing.js";
import { dateInWords, grouped, instantInWords, minutesInWords } from "./words.js";

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
  return l.otherWave === undefined ? "" : typeof l.otherWave === "number" ? `wave ${l.otherWave}` : l.otherWave === "retained" ? "retained (not moving)" : l.otherWave === "unplaced" ? "unplaced (no wave yet)" : "not in this plan";
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

function waveFlowchart(w: PackDetailWave): string | undefined {
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

function signoff(w: PackWave, model: PackModel): string[] {
  const out = ["**Approval status and sign-off.**", `Approval needed from ${w.signoff.organisations.length ? w.signoff.organisations.map(md).join(", ") : "the change board"} for wave ${w.number}.`, ""];
  const approvals = w.signoff.approvals;
  if (approvals === undefined) out.push("Approvals were not read (the pack was made without the project's approvals/ folder).");
  else if (approvals.length === 0) out.push(`**Awaiting approval.** Record it with \`ferry approve --plan FILE --wave ${w.number}\`.`);
  else {
    out.push(row(["organisation", "approved by", "when", "key", "change ref"]), row(Array(5).fill("---")));
    for (const a of approvals) out.push(row([md(a.organisation ?? "change board"), md(a.approvedBy), md(instantInWords(a.approvedAt, model.timezone)), a.key ? code(a.key) : "not signed", md(a.changeRef)]));
    const got = new Set(approvals.map((a) => a.organisation).filter((o) => o !== undefined));
    if (got.size) for (const o of w.signoff.organisations.filter((o) => !got.has(o))) out.push(row([md(o), "**awaiting approval**", "", "", ""]));
  }
  out.push("");
  return out;
}

function appsTable(apps: readonly PackApp[]): string[] {
  const out = [row(["application", "what changes (from → to)", "outage expected", "users", "criticality", "risk"]), row(Array(6).fill("---"))];
  for (const a of apps) {
    const notes: string[] = [];
    if (a.deferredBy) notes.push(`held out of the wave on ${md(dateInWords(a.deferredBy.skipped))} by **${md(a.deferredBy.blackout)}**`);
    if (a.together) notes.push(`moves with ${a.together.with.map((m) => `${md(m.name)} (${code(m.id)})`).join(", ")}: ${md(a.together.why)}`);
    if (a.reip.length) notes.push(`after its network is re-addressed (${a.reip.map(code).join(", ")})`);
    out.push(
      row([
        `**${md(a.name)}** ${code(a.id)}${a.owner ? ` · ${md(a.owner)}` : ""}${notes.length ? ` (${notes.join("; ")})` : ""}`,
        `${md(a.from)} → ${md(a.to)}${a.how ? ` (${md(a.how)})` : ""}`,
        a.outageMinutes !== undefined ? `up to ${minutesInWords(a.outageMinutes)}` : "not known",
        a.users ?? "",
        md(a.criticality ?? ""),
        `**${a.risk.level}** (${a.risk.points}: ${md(a.risk.factors.map((f) => `${f.factor} ${f.points}`).join(", ") || "no factor")})`,
      ]),
    );
  }
  return out;
}

function appDetail(a: PackApp): string[] {
  const notes: string[] = [];
  if (a.deferredBy) notes.push(`Held out of the wave on ${md(dateInWords(a.deferredBy.skipped))} by **${md(a.deferredBy.blackout)}**.`);
  if (a.together) notes.push(`Moves with ${a.together.with.map((m) => `${md(m.name)} (${code(m.id)})`).join(", ")}: ${md(a.together.why)}.`);
  if (a.reip.length) notes.push(`Moves after its network is re-addressed (${a.reip.map(code).join(", ")}).`);
  const out = [
    `#### ${md(a.name)} (${code(a.id)})`,
    "",
    `${a.owner ? `${md(a.owner)}. ` : ""}${md(a.criticality ?? "")} criticality, ${grouped(a.users ?? 0)} users, outage expected up to ${a.outageMinutes !== undefined ? minutesInWords(a.outageMinutes) : "(not known)"}. Risk **${a.risk.level}** (${a.risk.points}: ${md(a.risk.factors.map((f) => `${f.factor} ${f.points}`).join(", ") || "no factor")}).`,
    "",
    `- **Changes:** ${md(a.from)} → ${md(a.to)}.${notes.length ? ` ${notes.join(" ")}` : ""}`,
  ];
  const w = a.words;
  if (!w) return [...out, `- Runbook ${code(a.runbook)} not available to the report: go/no-go and rollback not shown.`, ""];
  const undo: string[] = [];
  for (const r of w.rollback) if (r.undo && !undo.includes(r.undo) && !/^nothing to undo/i.test(r.undo)) undo.push(r.undo);
  const list = (xs: string[]) => (xs.length ? xs.map(md).join("; ") : "none listed");
  out.push(
    `- **Go if:** ${list(w.before)}.`,
    `- **Healthy after:** ${list(w.after)}.`,
    `- **Rollback:** ${undo.length ? undo.map((u, i) => `${i + 1}. ${md(u)}`).join(" ") : "nothing to undo automatically."}`,
    `- **Point of no return:** ${w.pointOfNoReturn ? `step ${code(w.pointOfNoReturn.step)} (${md(w.pointOfNoReturn.words)}) has no automatic rollback` : "none"}.`,
    "",
  );
  return out;
}

function waveHead(w: PackWave, model: PackModel): string[] {
  const risky = w.risk.counts["very high"] + w.risk.counts.high;
  const out = [
    `## Wave ${w.number}: ${md(w.when)}`,
    "",
    `Plan \`${model.hash}\``,
    "",
    `${w.load.applications} application${w.load.applications === 1 ? "" : "s"}, ${grouped(w.load.users)} users, effort ${w.load.effort}. Risk **${w.risk.level}** (its riskiest application; ${risky} high or very high, ${w.risk.counts.medium} medium, ${w.risk.counts.low} low). ${w.warnings.length ? `${w.warnings.length} warning${w.warnings.length === 1 ? "" : "s"} (see the decisions).` : "No warnings."}`,
    "",
  ];
  if (w.kept) out.push(`> Kept as it was from wave ${w.kept.wave} of the earlier plan \`${w.kept.plan}\` (${md(w.kept.because)}); not re-planned.`, "");
  return out;
}

function changes(w: PackWave, max = 12): string[] {
  if (!w.changes.length) return [];
  const out = [`### Network re-addressing first (runbook ${code(w.changes[0]!.runbook)})`, "", row(["change", "site", "old → new addresses", "device", "applications that wait for it"]), row(Array(5).fill("---"))];
  for (const c of w.changes.slice(0, max)) out.push(row([code(c.id), md(c.site), `${code(c.legacyPrefix)} → ${code(c.newPrefix ?? "see ferry network")}`, md(c.host ?? ""), c.before.slice(0, 8).map(code).join(", ") + (c.before.length > 8 ? ` and ${c.before.length - 8} more` : "")]));
  if (w.changes.length > max) out.push("", `and ${w.changes.length - max} more re-addressing changes (the plan file lists them).`);
  out.push("");
  return out;
}

/** `YYYY-MM-DD HH:mm` of the wall clock `ms` after an ISO time (its own offset), for Mermaid. */
function wallAfter(iso: string, ms: number): string {
  const offset = /([+-]\d{2}):(\d{2})$/.exec(iso);
  const offsetMs = offset ? Math.sign(Number(offset[1])) * (Math.abs(Number(offset[1])) * 60 + Number(offset[2])) * 60_000 : 0;
  return new Date(Date.parse(iso) + offsetMs + ms).toISOString().slice(0, 16).replace("T", " ");
}

/** A wave's schedule at P90 as a Mermaid Gantt: a section per application, its entries as tasks, the critical path marked. */
function waveGantt(t: PackTiming, w: PackWave): string {
  const lines = ["```mermaid", "gantt", `  title Wave ${w.number} at P90 (window ${w.window.start.slice(11, 16)}–${w.window.end.slice(11, 16)})`, "  dateFormat YYYY-MM-DD HH:mm", "  axisFormat %H:%M"];
  lines.push("  section Window");
  lines.push(`  Start rolling back by :milestone, rb, ${wallAfter(t.planned.rollbackDecisionAt, 0)}, 0m`);
  lines.push(`  Window ends :milestone, we, ${wallAfter(w.window.end, 0)}, 0m`);
  let n = 0;
  for (const r of t.rows) {
    lines.push(`  section ${ganttName(r.id)}`);
    for (const b of r.bars) {
      const minutes = Math.max(1, Math.round((b.end - b.start) / 60_000));
      lines.push(`  ${ganttName(b.id)} :${b.critical ? "crit, " : ""}t${++n}, ${wallAfter(w.window.start, b.start)}, ${minutes}m`);
    }
  }
  lines.push("```");
  return lines.join("\n");
}

function timingSection(w: PackWave): string[] {
  const t = w.timing;
  if (!t) return [];
  const s = timingSentences(t, w);
  const out = ["### Timing: will it fit the window?", "", `**${t.planned.fits ? "Fits" : "Overruns"}.** ${md(s.fit)}`, "", md(s.rollback), "", md(s.path), ""];
  if (t.rows.length) {
    if (t.rows.length < t.applications) out.push(`Showing ${t.rows.length} of ${t.applications} applications: the critical path and those that end last.`, "");
    out.push(waveGantt(t, w), "");
  }
  out.push(md(s.sources), "");
  if (t.estimates.length) {
    out.push(row(["runbook", "entry", "figure", "source", "own estimate"]), row(Array(5).fill("---")));
    for (const e of t.estimates) out.push(row([code(e.runbook), `${e.kind} ${code(e.step)}`, md(e.figure), e.source === "default" ? "**not estimated**" : e.source === "actuals" ? "measured" : "estimate", e.own.map(code).join(", ")]));
    out.push("");
  }
  return out;
}

function waveSection(w: PackDetailWave, model: PackModel): string {
  const out = [...waveHead(w, model), ...signoff(w, model), ...changes(w), ...timingSection(w)];
  const stale = w.runbooks.filter((r) => r.current === false);
  if (stale.length) out.push(`> Runbook${stale.length === 1 ? "" : "s"} ${stale.map((r) => code(r.name)).join(", ")} changed since the plan was made: the go/no-go and rollback below are today's, not the planned ones.`, "");
  out.push("### Applications: what changes, go/no-go and rollback", "");
  for (const a of w.apps) out.push(...appDetail(a));
  out.push("### Dependencies that cross waves", "");
  const rows: string[] = [];
  for (const a of w.apps) {
    const cell = (ls: PackLink[]) => (ls.length ? ls.map((l) => `${code(l.from === a.id ? l.to : l.from)} (${other(l)}${l.retiring ? ", being retired" : ""}${l.kind === "none" ? ", no order needed" : ""})`).join(", ") : "—");
    const needs = a.crossing.filter((l) => l.kind !== "together" && l.from === a.id);
    const neededBy = a.crossing.filter((l) => l.kind === "order" && l.to === a.id);
    const together = a.crossing.filter((l) => l.kind === "together");
    if (needs.length || neededBy.length || together.length) rows.push(row([code(a.id), cell([...needs, ...together]), cell(neededBy)]));
  }
  if (!model.hasDependencies) out.push("Dependencies not shown: the estate was not read.");
  else if (!rows.length) out.push("No dependencies cross into other waves.");
  else out.push(row(["application in this wave", "it depends on (other application, its wave)", "depended on by (other application, its wave)"]), row(Array(3).fill("---")), ...rows);
  const chart = waveFlowchart(w);
  if (chart) out.push("", "### Dependency graph", "", chart);
  if (w.datasets.length) {
    out.push("", "### Data sets", "", row(["data set", "application", "decision", "size (GB)", "retain until"]), row(Array(5).fill("---")));
    for (const d of w.datasets) out.push(row([code(d.id), code(d.application), md(d.decision), d.sizeGb, md(d.retainUntil ?? "")]));
  }
  return out.join("\n");
}

function waveSummarySection(w: PackSummaryWave, model: PackModel): string {
  const out = [...waveHead(w, model), ...signoff(w, model), ...changes(w, 6), ...timingSection(w)];
  out.push("### What moves", "", row(["from", "to", "applications"]), row(Array(3).fill("---")));
  for (const f of w.flows.slice(0, 8)) out.push(row([md(f.from), md(f.to), f.applications]));
  if (w.flows.length > 8) out.push("", `and ${w.flows.length - 8} more site pairs.`);
  out.push("", `By criticality: ${Object.entries(w.criticality).map(([c, n]) => `${c} ${n}`).join(", ")}. By risk: ${(Object.entries(w.risk.counts) as [RiskLevel, number][]).map(([l, n]) => `${l} ${n}`).join(", ")}.`, "");
  out.push("### Runbooks", "", row(["runbook", "what it does", "applications"]), row(Array(3).fill("---")));
  for (const r of w.runbooks) out.push(row([code(r.name) + (r.current === false ? " (changed since the plan)" : ""), md(r.description ?? ""), r.applications]));
  const top = w.top;
  out.push("", `### The ${top.length} riskiest applications`, "", ...appsTable(top), "");
  out.push(`Every application of this wave, with its warnings and risk, is in \`waves.csv\` (rows with wave ${w.number}); its go/no-go criteria, rollback plans and cross-wave dependencies in words: \`ferry report --plan FILE --wave ${w.number}\`.`);
  return out.join("\n");
}

/** The change-board pack as Markdown with Mermaid diagrams (renders on GitHub and Azure DevOps): the HTML pack's content. */
export function renderMarkdownPack(model: PackModel): string {
  const cal = model.calendar;
  const max = model.mode === "summary" ? 8 : 25;
  const first = model.waves[0];
  const last = model.waves[model.waves.length - 1];
  const out: string[] = ["# Change-board pack", "", `Plan \`${model.hash}\` · inputs \`${model.inputsDigest}\``, ""];
  out.push(`The board is asked to approve waves of exactly this plan: ${model.counts.planned} applications in ${model.counts.waves} waves${first && last ? `, ${dateInWords(first.date)} to ${dateInWords(last.date)}` : ""}${model.counts.unplaced ? `; ${model.counts.unplaced} have no wave yet` : ""}.`, "");
  if (model.drift.length) out.push("> **The inputs changed since this plan was made.** Re-plan before approving.", ...model.drift.map((d) => `> - ${md(d)}`), "");
  if (model.note) out.push(md(model.note), "");
  out.push(`- Target platform: ${md(model.targetStack ?? "none named")}`);
  if (cal) out.push(`- Windows: every ${cal.cadenceDays} days from ${dateInWords(cal.firstWave)}, ${md(cal.window.start)}–${md(cal.window.end)} (${md(cal.window.timezone)})`, `- Limits per wave: ${Object.entries(cal.capacity).map(([k, v]) => `${k} ${v}`).join(", ") || "none"}`);

  out.push("", "## Decisions for the board", "", "Approve each wave below (its sign-off block says whose approval it needs), and decide on:", "");
  for (const d of model.decisions) {
    out.push(`### ${md(d.title)} (${d.items.length})`, "", `_Decide:_ ${md(d.decide)}`, "");
    for (const i of d.items.slice(0, max)) {
      const apps = i.applications.map((a) => `**${md(a.name)}** (${code(a.id)})`).join(", ");
      const waves = i.waves.map((x) => (x === "unplaced" ? "no wave yet" : `wave ${x}`)).join(", ");
      out.push(`- ${apps}${waves ? `, ${waves}` : ""}: ${md(i.message)}`);
    }
    if (d.items.length > max) out.push(`- and ${d.items.length - max} more: every one is in \`waves.csv\` (warnings column) and the plan file.`);
    out.push("");
  }
  if (model.unplaced.length) {
    out.push(`### Applications with no wave (${model.unplaced.length})`, "", "_Decide:_ accept that they wait for a later plan, or remove what holds them (the reason is given).", "");
    for (const u of model.unplaced.slice(0, max)) out.push(`- ${code(u.application)}: ${md(u.reason)}`);
    if (model.unplaced.length > max) out.push(`- and ${model.unplaced.length - max} more (waves.csv).`);
    out.push("");
  }
  if (model.keep) {
    out.push("### Kept and moved since the earlier plan", "", `Keeps ${model.keep.waves.length ? model.keep.waves.map((k) => `wave ${k.wave} (${k.date}, ${md(k.because)})`).join(", ") : "no wave"} of ${code(model.keep.file)} (\`${model.keep.plan}\`).`, "");
    if (model.moved.length) {
      out.push(row(["application", "was", "now", "why"]), row(Array(4).fill("---")));
      for (const m of model.moved.slice(0, max)) out.push(row([code(m.application), m.from ? `wave ${m.from.wave} (${m.from.date})` : "unplaced", m.to ? `wave ${m.to.wave} (${m.to.date})` : "unplaced", md(m.why)]));
    } else out.push("Nothing else moved.");
    out.push("");
  }
  if (!model.decisions.length && !model.unplaced.length) out.push("No warnings: nothing beyond approving the waves needs the board's decision.", "");

  out.push("## Waves", "", row(["wave", "window", "applications", "users", "risk", "warnings", "approval"]), row(Array(7).fill("---")));
  for (const w of model.waves) {
    const approval = w.signoff.approvals === undefined ? "not read" : w.signoff.approvals.length ? `approved by ${w.signoff.approvals.map((a) => md(a.approvedBy)).join(", ")}` : "**awaiting approval**";
    out.push(row([`[${w.number}](#wave-${w.number})`, md(w.when), w.load.applications, w.load.users, w.risk.level, w.warnings.length, approval]));
  }
  out.push("", "## Wave calendar", "", calendarGantt(model), "");
  if (cal?.freezes.length) out.push(...cal.freezes.map((f) => `- Freeze ${f.from} to ${f.to}: ${md(f.reason)}`), "");

  out.push("## How to read this pack", "", "Each application gets points for each factor below; its rating is the band its points fall in. A wave is rated as its riskiest application.", "", row(["factor", "points"]), row(["---", "---"]));
  for (const [f, p] of RISK_RULES) out.push(row([md(f), md(p)]));
  out.push("", `Bands: ${RISK_BANDS.map(([l, p]) => `${l} ${p}`).join(", ")}.`, "");
  out.push(
    "- **Outage expected**: the longest the application's runbook may take by its own time limits (step timeouts, retries, health gates), never more than the window.",
    "- **Go if**: the runbook's prechecks; if any fails, nothing is changed. **Healthy after**: the health gates run after the change; if one fails, the change is rolled back.",
    "- **Rollback**: what ferry undoes, last step first, with the application's own servers and names. **Point of no return**: the first step that changes something and has no automatic rollback.",
    "- **Moves with**: applications planned as one group (a latency-sensitive link, or a circle of dependencies). **Retained (not moving)**: kept where it is.",
    `- **Times** are in the council's time zone (${md(model.timezone)}).`,
    "- **Graphs**: `-->` depends on (the arrow points at what is needed), `==>` must move in the same wave, `-.->` uses, recorded only; dashed boxes are applications in other waves, retained, or not in this plan.",
    "",
  );
  const section = (w: PackWave) => (w.mode === "summary" ? waveSummarySection(w, model) : waveSection(w, model));
  for (const w of model.waves) out.push(`<a id="wave-${w.number}"></a>`, "", section(w), "");
  return out.join("\n") + "\n";
}
