import { escapeHtml as h } from "./escape.js";
import { waveGraphSvg, MAX_GRAPH_NODES, GRAPH_LEGEND } from "./graph-svg.js";
import type { PackApp, PackApproval, PackDetailWave, PackLink, PackModel, PackSummaryWave, PackWave } from "./pack-model.js";
import { RISK_BANDS, RISK_RULES, type RiskLevel } from "./risk.js";
import { ganttSvg } from "./gantt-svg.js";
import { timelineSvg } from "./timeline-svg.js";
import { timingClause, timingSentences } from "./timing.js";
import { dateInWords, grouped, instantInWords, minutesInWords } from "./words.js";

const CSS = `
:root { --ink: #102a43; --muted: #52606d; --line: #d9e2ec; --accent: #2f6fb3; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: var(--ink); margin: 0; background: #fff; }
header.pack-head, footer.pack-foot { padding: 8px 24px; background: #f0f4f8; border-bottom: 1px solid var(--line); font-size: 12px; color: var(--muted); }
footer.pack-foot { border-top: 1px solid var(--line); border-bottom: none; }
main { padding: 8px 24px 24px; max-width: 1100px; }
h1 { font-size: 24px; margin: 16px 0 4px; }
h2 { font-size: 19px; margin: 24px 0 8px; border-bottom: 2px solid var(--accent); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 14px 0 6px; }
h4 { font-size: 13px; margin: 8px 0 2px; }
p { margin: 4px 0; }
ul, ol { margin: 2px 0 6px; padding-left: 20px; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; white-space: nowrap; }
.hash { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f0f4f8; }
td.num, th.num { text-align: right; }
.timing.overrun .fit strong { color: #b42318; } .timing.fits .fit strong { color: #1f5f2b; }
svg.gantt { margin: 6px 0; }
.banner { border: 2px solid #c81e1e; background: #fff5f5; padding: 8px 12px; margin: 12px 0; }
.crit-critical { color: #c81e1e; font-weight: 600; } .crit-high { color: #b45f00; font-weight: 600; }
.risk { font-weight: 600; padding: 0 4px; border-radius: 3px; white-space: nowrap; }
.risk-low { background: #e3f9e5; color: #1f5f2b; } .risk-medium { background: #fff3c4; color: #7c5e10; }
.risk-high { background: #ffe8d9; color: #9f3a00; } .risk-very-high { background: #ffe3e3; color: #8a1c1c; }
.note { color: var(--muted); font-size: 12px; }
.wave-hash { color: var(--muted); font-size: 11px; margin: 0; }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; }
.signoff { border: 1px solid var(--ink); padding: 4px 8px; margin: 6px 0; }
.signoff h3 { margin: 0 0 2px; }
.signoff table { margin: 2px 0; }
.awaiting { color: #8a1c1c; font-weight: 600; }
.apps-detail { columns: 2; column-gap: 18px; }
.app { break-inside: avoid; border-top: 1px solid var(--line); padding-top: 2px; margin-bottom: 6px; font-size: 12.5px; }
.app h4 { margin-top: 2px; }
.app p, .app ol { margin: 1px 0; }
.legend-line { display: inline-block; width: 34px; vertical-align: middle; }
svg { max-width: 100%; height: auto; }
@page { size: A4 portrait; margin: 9mm 9mm 12mm; @bottom-center { content: "ferry plan HASH · page " counter(page) " of " counter(pages); font-size: 7pt; color: #52606d; } }
@media print {
  body { font-size: 7.8pt; line-height: 1.22; }
  main { max-width: none; padding: 0; }
  header.pack-head, footer.pack-foot { background: none; padding: 0 0 2px; font-size: 7pt; }
  h1 { font-size: 15pt; margin: 2px 0; } h2 { font-size: 11.5pt; margin: 6px 0 3px; } h3 { font-size: 9pt; margin: 5px 0 2px; } h4 { font-size: 8.4pt; margin: 2px 0 0; }
  table { font-size: 7.4pt; margin: 2px 0 4px; } th, td { padding: 1px 3px; }
  table.changes, table.crossing { font-size: 7pt; }
  code, .hash { font-size: 7.2pt; } .note, .wave-hash { font-size: 7pt; }
  .app { font-size: 6.8pt; margin-bottom: 1px; line-height: 1.17; }
  .apps-detail { column-gap: 10px; }
  section#legend h2 { margin-top: 10px; }
  section.wave { border-top: 2px solid var(--ink); margin-top: 8px; padding-top: 2px; }
  .wave-top { break-inside: avoid; break-after: avoid; }
  h2, h3, h4 { break-after: avoid; }
  .signoff, .app, tr, svg { break-inside: avoid; }
  .wave-graph { max-height: 45mm; width: auto; }
  svg.gantt { max-height: 30mm; width: auto; max-width: 100%; margin: 0; }
  .timing p { font-size: 7pt; } .timing h3 { margin: 3px 0 1px; }
  .screen-only { display: none; }
  a { color: inherit; text-decoration: none; }
}
`;

function crit(c: string | undefined): string {
  return `<span class="crit-${h(c ?? "")}">${h(c ?? "")}</span>`;
}

function riskBadge(level: RiskLevel, title?: string): string {
  return `<span class="risk risk-${level.replace(" ", "-")}"${title ? ` title="${h(title)}"` : ""}>${h(level)}</span>`;
}

function where(l: PackLink): string {
  return l.otherWave === undefined ? "" : typeof l.otherWave === "number" ? `<a href="#wave-${l.otherWave}">wave ${l.otherWave}</a>` : l.otherWave === "retained" ? "retained (not moving)" : l.otherWave === "unplaced" ? "unplaced (no wave yet)" : "not in this plan";
}

function approvalRow(a: PackApproval, tz: string): string {
  return `<tr><td>${h(a.organisation ?? "change board")}</td><td>${h(a.approvedBy)}</td><td>${h(instantInWords(a.approvedAt, tz))}</td><td>${a.key ? `<code>${h(a.key)}</code>` : "not signed"}</td><td>${h(a.changeRef)}</td></tr>`;
}

/** The approval status and sign-off block of a wave. */
function signoffBlock(w: PackWave, model: PackModel): string {
  const needed = w.signoff.organisations;
  const approvals = w.signoff.approvals;
  const head = `<p>Approval needed from ${needed.length ? needed.map(h).join(", ") : "the change board"} for plan <span class="hash">${h(model.hash.slice(0, 19))}…</span>, wave ${w.number}.</p>`;
  let body: string;
  if (approvals === undefined) body = `<p class="note">Approvals were not read (the pack was made without the project's approvals/ folder).</p>`;
  else if (approvals.length === 0) body = `<p><span class="awaiting">Awaiting approval.</span> <span class="note">Record it with <code>ferry approve --plan FILE --wave ${w.number}</code>.</span></p>`;
  else {
    const orgsApproved = new Set(approvals.map((a) => a.organisation).filter((o) => o !== undefined));
    const missing = approvals.some((a) => a.organisation) ? needed.filter((o) => !orgsApproved.has(o)) : [];
    body = `<table><thead><tr><th>organisation</th><th>approved by</th><th>when</th><th>key</th><th>change ref</th></tr></thead><tbody>${approvals.map((a) => approvalRow(a, model.timezone)).join("")}${missing.map((o) => `<tr><td>${h(o)}</td><td colspan="4" class="awaiting">awaiting approval</td></tr>`).join("")}</tbody></table>`;
  }
  return `<div class="signoff" id="signoff-${w.number}"><h3>Approval status and sign-off</h3>${head}${body}</div>`;
}

function changesTable(w: PackWave, max = 12): string {
  if (!w.changes.length) return "";
  const rows = w.changes
    .slice(0, max)
    .map((c) => `<tr><td><code>${h(c.id)}</code>${c.host ? ` on <code>${h(c.host)}</code>` : ""}</td><td><code>${h(c.legacyPrefix)} → ${h(c.newPrefix ?? "see ferry network")}</code></td><td>${c.before.length ? c.before.slice(0, 8).map((id) => `<code>${h(id)}</code>`).join(", ") + (c.before.length > 8 ? ` and ${c.before.length - 8} more` : "") : "—"}</td></tr>`)
    .join("");
  return `<h3>Network re-addressing first (runbook <code>${h(w.changes[0]!.runbook)}</code>)</h3>
<table class="changes"><thead><tr><th>change, on device</th><th>old → new addresses</th><th>applications that wait for it</th></tr></thead><tbody>${rows}</tbody></table>${w.changes.length > max ? `<p class="note">and ${w.changes.length - max} more re-addressing changes (the plan file lists them).</p>` : ""}`;
}

/** The rollback actions in the order they run; one that reads the same as an earlier one (the same undo for two steps) is shown once. */
function undoList(a: PackApp): string[] {
  const out: string[] = [];
  for (const r of a.words?.rollback ?? []) if (r.undo && !out.includes(r.undo) && !/^nothing to undo/i.test(r.undo)) out.push(r.undo);
  return out;
}

/** One application in words: what changes, outage, users, risk, go/no-go, rollback, point of no return. */
function appBlock(a: PackApp): string {
  const notes: string[] = [];
  if (a.deferredBy) notes.push(`Held out of the wave on ${h(dateInWords(a.deferredBy.skipped))} by <strong>${h(a.deferredBy.blackout)}</strong>.`);
  if (a.together) notes.push(`Moves with ${a.together.with.map((m) => `${h(m.name)} (<code>${h(m.id)}</code>)`).join(", ")}: ${h(a.together.why)}.`);
  if (a.reip.length) notes.push(`Moves after its network is re-addressed (${a.reip.map((r) => `<code>${h(r)}</code>`).join(", ")}).`);
  const head = `<h4>${h(a.name)} <code>${h(a.id)}</code></h4>
<p>${a.owner ? `${h(a.owner)}. ` : ""}${crit(a.criticality)} criticality, ${grouped(a.users ?? 0)} users, outage expected up to ${a.outageMinutes !== undefined ? h(minutesInWords(a.outageMinutes)) : "(not known)"}. Risk ${riskBadge(a.risk.level)} <span class="note">${a.risk.points}: ${h(a.risk.factors.map((f) => `${f.factor} ${f.points}`).join(", ") || "no factor")}</span>.</p>
<p><b>Changes:</b> ${h(a.from)} → ${h(a.to)}.${notes.length ? ` <span class="note">${notes.join(" ")}</span>` : ""}</p>`;
  const w = a.words;
  if (!w) return `<div class="app" id="app-${h(a.id)}">${head}<p class="note">Runbook <code>${h(a.runbook)}</code> not available to the report: go/no-go and rollback not shown.</p></div>`;
  const undo = undoList(a);
  const list = (xs: string[]) => (xs.length ? xs.map(h).join("; ") : "none listed");
  return `<div class="app" id="app-${h(a.id)}">${head}
<p><b>Go if:</b> ${list(w.before)}.</p>
<p><b>Healthy after:</b> ${list(w.after)}.</p>
<p class="rollback"><b>Rollback:</b> ${undo.length ? undo.map((u, i) => `${i + 1}. ${h(u)}`).join(" ") : "nothing to undo automatically."}</p>
<p><b>Point of no return:</b> ${w.pointOfNoReturn ? `step <code>${h(w.pointOfNoReturn.step)}</code> (${h(w.pointOfNoReturn.words)}) has no automatic rollback` : "none"}.</p></div>`;
}

/** Per application of the wave: what it needs from other waves and what needs it, one row each. */
function crossingTable(w: PackDetailWave, model: PackModel): string {
  if (!model.hasDependencies) return `<p class="note">Dependencies not shown: the estate was not read.</p>`;
  const rows = w.apps
    .map((a) => {
      const cell = (ls: PackLink[]) => (ls.length ? ls.map((l) => `<code>${h(l.from === a.id ? l.to : l.from)}</code> (${where(l)}${l.retiring ? ", being retired" : ""}${l.kind === "none" ? ", no order needed" : ""})`).join(", ") : "—");
      const needs = a.crossing.filter((l) => l.kind !== "together" && l.from === a.id);
      const neededBy = a.crossing.filter((l) => l.kind === "order" && l.to === a.id);
      const together = a.crossing.filter((l) => l.kind === "together");
      if (!needs.length && !neededBy.length && !together.length) return "";
      return `<tr><td><code>${h(a.id)}</code></td><td>${cell([...needs, ...together])}</td><td>${cell(neededBy)}</td></tr>`;
    })
    .filter(Boolean);
  if (!rows.length) return `<p class="note">No dependencies cross into other waves.</p>`;
  return `<table class="crossing"><thead><tr><th>application in this wave</th><th>it depends on (other application, its wave)</th><th>depended on by (other application, its wave)</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function datasetsTable(w: PackWave): string {
  if (!w.datasets.length) return "";
  return `<h3>Data sets</h3><table><thead><tr><th>data set</th><th>application</th><th>decision</th><th class="num">size (GB)</th><th>retain until</th></tr></thead><tbody>${w.datasets
    .map((d) => `<tr><td><code>${h(d.id)}</code></td><td><code>${h(d.application)}</code></td><td>${h(d.decision)}</td><td class="num">${d.sizeGb}</td><td>${h(d.retainUntil ?? "")}</td></tr>`)
    .join("")}</tbody></table>`;
}

function waveHead(w: PackWave, model: PackModel): string {
  const risky = w.risk.counts["very high"] + w.risk.counts.high;
  return `<div class="wave-top"><p class="wave-hash">Plan <span class="hash">${h(model.hash)}</span></p>
<h2>Wave ${w.number}: ${h(w.when)}</h2>
<p>${w.load.applications} application${w.load.applications === 1 ? "" : "s"}, ${grouped(w.load.users)} users, effort ${w.load.effort}. Risk ${riskBadge(w.risk.level)} <span class="note">(its riskiest application; ${risky} high or very high, ${w.risk.counts.medium} medium, ${w.risk.counts.low} low)</span>. ${w.warnings.length ? `${w.warnings.length} warning${w.warnings.length === 1 ? "" : "s"} (see <a href="#decisions">decisions</a>).` : "No warnings."}${w.timing ? ` <span class="timing-clause">${h(timingClause(w.timing, w))}</span>` : ""}</p>
${w.kept ? `<p class="banner">Kept as it was from wave ${w.kept.wave} of the earlier plan <span class="hash">${h(w.kept.plan)}</span> (${h(w.kept.because)}); not re-planned.</p>` : ""}
${signoffBlock(w, model)}</div>`;
}

/** Expected duration against the window, the Gantt chart, and the data behind each estimate. */
function timingBlock(w: PackWave): string {
  const t = w.timing;
  if (!t) return "";
  const s = timingSentences(t, w);
  const fitClass = t.planned.fits ? "fits" : "overrun";
  const chart = t.rows.length ? ganttSvg(t, w.window) : `<p class="note">Schedule not drawn: the estate or runbooks were not read.</p>`;
  const estimates = t.estimates.length
    ? `<details><summary>The data behind each estimate (${t.estimates.length} entries)</summary><table class="estimates"><thead><tr><th>runbook</th><th>entry</th><th>figure</th><th>source</th><th>own estimate</th></tr></thead><tbody>${t.estimates
        .map(
          (e) =>
            `<tr class="source-${e.source}"><td><code>${h(e.runbook)}</code></td><td>${h(e.kind)} <code>${h(e.step)}</code></td><td>${h(e.figure)}</td><td>${e.source === "default" ? "<strong>not estimated</strong>" : e.source === "actuals" ? "measured" : "estimate"}</td><td>${e.own.map((id) => `<code>${h(id)}</code>`).join(", ")}</td></tr>`,
        )
        .join("")}</tbody></table></details>`
    : "";
  // On paper the wave's first paragraph carries the timing in one clause (timingClause); the page budget has no room for more.
  return `<div class="timing screen-only ${fitClass}" id="timing-${w.number}"><h3>Timing: will it fit the window?</h3>
<p class="fit"><strong>${t.planned.fits ? "Fits" : "Overruns"}.</strong> ${h(s.fit)}</p>
<p class="rollback-by">${h(s.rollback)}</p>
<div><p>${h(s.path)}</p>
${chart}
<p class="note">${h(s.sources)}</p>
${estimates}</div></div>`;
}

function waveSection(w: PackDetailWave, model: PackModel): string {
  const graph = waveGraphSvg(w);
  const nodeCount = new Set([...w.internal, ...w.crossing].flatMap((l) => [l.from, l.to])).size;
  const graphHtml = graph ? `<h3>Dependency graph</h3>${graph}` : nodeCount > MAX_GRAPH_NODES ? `<p class="note">Graph left out: ${nodeCount} applications are linked, more than ${MAX_GRAPH_NODES}; see the tables.</p>` : "";
  const stale = w.runbooks.filter((r) => r.current === false);
  return `<section class="wave" id="wave-${w.number}">
${waveHead(w, model)}
${stale.length ? `<p class="banner">Runbook${stale.length === 1 ? "" : "s"} ${stale.map((r) => `<code>${h(r.name)}</code>`).join(", ")} changed since the plan was made: the go/no-go and rollback below are today's, not the planned ones.</p>` : ""}
${changesTable(w)}
${timingBlock(w)}
<h3>Applications: what changes, go/no-go and rollback</h3>
<div class="apps-detail">${w.apps.map(appBlock).join("")}</div>
<h3>Dependencies that cross waves</h3>${crossingTable(w, model)}
<div class="screen-only">${graphHtml}</div>
${datasetsTable(w)}
</section>`;
}

function appRow(a: PackApp): string {
  const notes: string[] = [];
  if (a.deferredBy) notes.push(`held out of the wave on ${h(dateInWords(a.deferredBy.skipped))} by <strong>${h(a.deferredBy.blackout)}</strong>`);
  if (a.together) notes.push(`moves with ${a.together.with.map((m) => `<code>${h(m.id)}</code>`).join(", ")}: ${h(a.together.why)}`);
  return `<tr><td><strong>${h(a.name)}</strong> <code>${h(a.id)}</code>${a.owner ? ` · ${h(a.owner)}` : ""}${notes.length ? `<br><span class="note">${notes.join("; ")}</span>` : ""}</td><td>${h(a.from)} → ${h(a.to)}</td><td>${a.outageMinutes !== undefined ? `up to ${h(minutesInWords(a.outageMinutes))}` : "not known"}</td><td class="num">${a.users ?? ""}</td><td>${crit(a.criticality)}</td><td>${riskBadge(a.risk.level)} <span class="note">${a.risk.points}: ${h(a.risk.factors.map((f) => `${f.factor} ${f.points}`).join(", ") || "no factor")}</span></td></tr>`;
}

/** A table of applications, one row each (a summarised wave's riskiest). */
function appsTable(apps: readonly PackApp[]): string {
  return `<table class="apps"><thead><tr><th>application</th><th>what changes (from → to)</th><th>outage expected</th><th class="num">users</th><th>criticality</th><th>risk</th></tr></thead><tbody>${apps.map(appRow).join("")}</tbody></table>`;
}

/** A wave of a large plan: what a board can read at that size, and where the detail is. */
function waveSummarySection(w: PackSummaryWave, model: PackModel): string {
  const top = w.top;
  const byCode = new Map<string, number>();
  for (const x of w.warnings) byCode.set(x.code, (byCode.get(x.code) ?? 0) + 1);
  return `<section class="wave" id="wave-${w.number}">
${waveHead(w, model)}
${changesTable(w, 6)}
${timingBlock(w)}
<h3>What moves</h3>
<table><thead><tr><th>from</th><th>to</th><th class="num">applications</th></tr></thead><tbody>${w.flows
    .slice(0, 8)
    .map((f) => `<tr><td>${h(f.from)}</td><td>${h(f.to)}</td><td class="num">${grouped(f.applications)}</td></tr>`)
    .join("")}</tbody></table>${w.flows.length > 8 ? `<p class="note">and ${w.flows.length - 8} more site pairs.</p>` : ""}
<p>By criticality: ${Object.entries(w.criticality).map(([c, n]) => `${crit(c)} ${grouped(n)}`).join(", ")}. By risk: ${(Object.entries(w.risk.counts) as [RiskLevel, number][]).map(([l, n]) => `${riskBadge(l)} ${grouped(n)}`).join(", ")}.</p>
<h3>Runbooks</h3>
<table><thead><tr><th>runbook</th><th>what it does</th><th class="num">applications</th></tr></thead><tbody>${w.runbooks.map((r) => `<tr><td><code>${h(r.name)}</code>${r.current === false ? " (changed since the plan)" : ""}</td><td>${h(r.description ?? "")}</td><td class="num">${grouped(r.applications)}</td></tr>`).join("")}</tbody></table>
<h3>The ${top.length} riskiest applications</h3>
${appsTable(top)}
${byCode.size ? `<p>Warnings: ${[...byCode].map(([c, n]) => `<code>${h(c)}</code> ${grouped(n)}`).join(", ")} (see <a href="#decisions">decisions</a>; every one is in <code>waves.csv</code>).</p>` : ""}
<p class="note">Every application of this wave, with its warnings and risk, is in <code>waves.csv</code> (rows with wave ${w.number}); its go/no-go criteria, rollback plans and cross-wave dependencies in words: <code>ferry report --plan FILE --wave ${w.number}</code>.</p>
</section>`;
}

function decisionsSection(model: PackModel, max: number): string {
  const waveText = (ws: (number | "unplaced")[]) => ws.map((x) => (x === "unplaced" ? "no wave yet" : `<a href="#wave-${x}">wave ${x}</a>`)).join(", ");
  const kinds = model.decisions.map((d) => {
    const items = d.items.slice(0, max).map((i) => `<li>${i.applications.length ? `<strong>${i.applications.map((a) => `${h(a.name)}</strong> (<code>${h(a.id)}</code>)`).join(", <strong>")}` : ""}${i.waves.length ? `, ${waveText(i.waves)}` : ""}: ${h(i.message)}</li>`);
    return `<h3>${h(d.title)} (${grouped(d.items.length)})</h3><p><em>Decide:</em> ${h(d.decide)}</p><ul>${items.join("")}</ul>${d.items.length > max ? `<p class="note">and ${grouped(d.items.length - max)} more: every one is in <code>waves.csv</code> (warnings column) and the plan file.</p>` : ""}`;
  });
  const unplaced = model.unplaced.length
    ? `<h3>Applications with no wave (${grouped(model.unplaced.length)})</h3><p><em>Decide:</em> accept that they wait for a later plan, or remove what holds them (the reason is given).</p><ul>${model.unplaced
        .slice(0, max)
        .map((u) => `<li><code>${h(u.application)}</code>: ${h(u.reason)}</li>`)
        .join("")}</ul>${model.unplaced.length > max ? `<p class="note">and ${model.unplaced.length - max} more (waves.csv).</p>` : ""}`
    : "";
  const moved = model.keep
    ? `<h3>Kept and moved since the earlier plan</h3><p>Keeps ${model.keep.waves.length ? model.keep.waves.map((k) => `wave ${k.wave} (${h(k.date)}, ${h(k.because)})`).join(", ") : "no wave"} of <code>${h(model.keep.file)}</code> (<span class="hash">${h(model.keep.plan)}</span>).</p>${
        model.moved.length
          ? `<table><thead><tr><th>application</th><th>was</th><th>now</th><th>why</th></tr></thead><tbody>${model.moved
              .slice(0, max)
              .map((m) => `<tr><td><code>${h(m.application)}</code></td><td>${m.from ? `wave ${m.from.wave} (${h(m.from.date)})` : "unplaced"}</td><td>${m.to ? `<a href="#wave-${m.to.wave}">wave ${m.to.wave}</a> (${h(m.to.date)})` : "unplaced"}</td><td>${h(m.why)}</td></tr>`)
              .join("")}</tbody></table>`
          : "<p>Nothing else moved.</p>"
      }`
    : "";
  const none = !kinds.length && !unplaced ? "<p>No warnings: nothing beyond approving the waves needs the board's decision.</p>" : "";
  return `<section id="decisions"><h2>Decisions for the board</h2>
<p>Approve each wave below (its sign-off block says whose approval it needs), and decide on:</p>
${kinds.join("\n")}${unplaced}${moved}${none}</section>`;
}

function legendSection(model: PackModel): string {
  return `<section id="legend"><h2>How to read this pack</h2>
<h3>Risk rating</h3>
<p>Each application gets points for each factor below; its rating is the band its points fall in. A wave is rated as its riskiest application.</p>
<table><thead><tr><th>factor</th><th>points</th></tr></thead><tbody>${RISK_RULES.map(([f, p]) => `<tr><td>${h(f)}</td><td>${h(p)}</td></tr>`).join("")}</tbody></table>
<p>Bands: ${RISK_BANDS.map(([l, p]) => `${riskBadge(l)} ${h(p)}`).join(", ")}.</p>
<h3>Words used</h3>
<div class="kv">
<span>Outage expected</span><span>The longest the application's runbook may take by its own time limits (step timeouts, retries, health gates), never more than the window. Measured timings replace it when recorded.</span>
<span>Go if</span><span>The runbook's prechecks, checked before anything changes: if any fails, nothing is changed and the application does not move.</span>
<span>Healthy after</span><span>The health gates run after the change; if one fails, the change is rolled back.</span>
<span>Rollback</span><span>What ferry undoes after a failure, in this order (last step first), with this application's own servers and names.</span>
<span>Point of no return</span><span>The first step that runs a command or changes something and has no automatic rollback (the report cannot tell a command that only reads; the step's description says what it does).</span>
<span>Moves with</span><span>Applications planned as one group: a latency-sensitive link, or a circle of dependencies.</span>
<span>Retained (not moving)</span><span>An application the estate keeps where it is; links to it stay as they are.</span>
<span>Times</span><span>In the council's time zone (${h(model.timezone)}).</span>
</div>
${model.runbooks.length ? `<h3>Runbooks (how each application moves)</h3><div class="kv">${model.runbooks.map((r) => `<span><code>${h(r.name)}</code></span><span>${h(r.description ?? "")}</span>`).join("")}</div>` : ""}
${model.sites.length ? `<h3>Sites</h3><div class="kv">${model.sites.map((x) => `<span>${h(x.short)}</span><span>${h(x.name)}</span>`).join("")}</div>` : ""}
<h3>Dependency graphs</h3>
${GRAPH_LEGEND}
</section>`;
}

/**
 * The change-board pack as one self-contained HTML file: inline CSS and SVG only, no scripts,
 * fonts or images, so it opens offline. Decisions come first, then the waves; printed to A4,
 * the summary takes about two pages and each wave one, with the plan hash on every page.
 */
export function renderHtmlPack(model: PackModel): string {
  const cal = model.calendar;
  const drift = model.drift.length ? `<div class="banner"><strong>The inputs changed since this plan was made.</strong> Re-plan before approving.<ul>${model.drift.map((d) => `<li>${h(d)}</li>`).join("")}</ul></div>` : "";
  const approvalText = (w: PackWave) => (w.signoff.approvals === undefined ? "not read" : w.signoff.approvals.length ? `approved by ${w.signoff.approvals.map((a) => h(a.approvedBy)).join(", ")}` : `<span class="awaiting">awaiting approval</span>`);
  const waveRows = model.waves
    .map((w) => `<tr><td><a href="#wave-${w.number}">${w.number}</a></td><td>${h(w.when)}</td><td class="num">${grouped(w.load.applications)}</td><td class="num">${grouped(w.load.users)}</td><td>${riskBadge(w.risk.level)}</td><td class="num">${w.warnings.length}</td><td>${approvalText(w)}</td></tr>`)
    .join("");
  const first = model.waves[0];
  const last = model.waves[model.waves.length - 1];
  const summary = `<section id="summary">
<h1>Change-board pack</h1>
<p>The board is asked to approve waves of exactly this plan, <span class="hash">${h(model.hash)}</span>: ${grouped(model.counts.planned)} applications in ${model.counts.waves} waves${first && last ? `, ${h(dateInWords(first.date))} to ${h(dateInWords(last.date))}` : ""}${model.counts.unplaced ? `; ${model.counts.unplaced} have no wave yet` : ""}.</p>
${drift}
${model.note ? `<p class="note">${h(model.note)}</p>` : ""}
<div class="kv">
<span>Target platform</span><span>${h(model.targetStack ?? "none named")}</span>
${cal ? `<span>Windows</span><span>every ${cal.cadenceDays} days from ${h(dateInWords(cal.firstWave))}, ${h(cal.window.start)}–${h(cal.window.end)} (${h(cal.window.timezone)})</span>
<span>Limits per wave</span><span>${Object.entries(cal.capacity).map(([k, v]) => `${h(k)} ${v}`).join(", ") || "none"}</span>` : ""}
<span>Inputs digest</span><span class="hash">${h(model.inputsDigest)}</span>
</div>
</section>
${decisionsSection(model, model.mode === "summary" ? 8 : 25)}
<section id="waves"><h2>Waves</h2>
<table><thead><tr><th>wave</th><th>window</th><th class="num">applications</th><th class="num">users</th><th>risk</th><th class="num">warnings</th><th>approval</th></tr></thead><tbody>${waveRows}</tbody></table>
</section>
<section id="calendar"><h2>Wave calendar</h2>${timelineSvg({ waves: model.waves, calendar: cal })}
${cal?.freezes.length ? `<p>${cal.freezes.map((f) => `Freeze ${h(f.from)} to ${h(f.to)}: ${h(f.reason)}.`).join(" ")}</p>` : ""}</section>`;
  const css = CSS.replace("HASH", model.hash.replace(/[^a-z0-9:]/gi, ""));
  const section = (w: PackWave) => (w.mode === "summary" ? waveSummarySection(w, model) : waveSection(w, model));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Change-board pack · plan ${h(model.hash.slice(0, 19))}…</title>
<style>${css}</style>
</head>
<body>
<header class="pack-head">ferry change-board pack · plan <span class="hash">${h(model.hash)}</span></header>
<main>
${summary}
${legendSection(model)}
${model.waves.map(section).join("\n")}
</main>
<footer class="pack-foot">Plan <span class="hash">${h(model.hash)}</span> · inputs <span class="hash">${h(model.inputsDigest)}</span></footer>
</body>
</html>
`;
}
