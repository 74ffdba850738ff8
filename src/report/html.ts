import { escapeHtml as h } from "./escape.js";
import { waveGraphSvg, MAX_GRAPH_NODES } from "./graph-svg.js";
import type { PackLink, PackModel, PackWave } from "./pack-model.js";
import { timelineSvg } from "./timeline-svg.js";

const CSS = `
:root { --ink: #102a43; --muted: #52606d; --line: #d9e2ec; --accent: #2f6fb3; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: var(--ink); margin: 0; background: #fff; }
header.pack-head, footer.pack-foot { padding: 8px 24px; background: #f0f4f8; border-bottom: 1px solid var(--line); font-size: 12px; color: var(--muted); }
footer.pack-foot { border-top: 1px solid var(--line); border-bottom: none; }
main { padding: 8px 24px 24px; max-width: 1100px; }
h1 { font-size: 24px; margin: 16px 0 4px; }
h2 { font-size: 19px; margin: 24px 0 8px; border-bottom: 2px solid var(--accent); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
code, .hash { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f0f4f8; }
td.num, th.num { text-align: right; }
.banner { border: 2px solid #c81e1e; background: #fff5f5; padding: 8px 12px; margin: 12px 0; }
.crit-critical { color: #c81e1e; font-weight: 600; } .crit-high { color: #b45f00; font-weight: 600; }
.note { color: var(--muted); font-size: 12px; }
.wave-hash { color: var(--muted); font-size: 11px; margin: 0; }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; }
svg { max-width: 100%; height: auto; }
@page { size: A4 landscape; margin: 14mm 12mm 16mm; @bottom-center { content: "ferry plan HASH · page " counter(page) " of " counter(pages); font-size: 8pt; color: #52606d; } }
@media print {
  body { font-size: 11px; }
  main { max-width: none; padding: 0; }
  header.pack-head, footer.pack-foot { background: none; padding: 0 0 4px; }
  section.wave, section#unplaced, section#warnings { break-before: page; }
  table, svg, .runbook { break-inside: avoid; }
  tr { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
`;

function crit(c: string | undefined): string {
  return `<span class="crit-${h(c ?? "")}">${h(c ?? "")}</span>`;
}

function where(l: PackLink): string {
  return l.otherWave === undefined ? "" : typeof l.otherWave === "number" ? `<a href="#wave-${l.otherWave}">wave ${l.otherWave}</a>` : h(l.otherWave);
}

function linkText(l: PackLink): string {
  return l.kind === "together" ? "moves together with" : l.kind === "none" ? "uses (no order)" : l.retiring ? "depends on (being retired: switched off after this moves)" : "depends on";
}

/** The wave's re-IP changes, one row each, run before the applications that wait for them. */
function changesTable(w: PackWave): string {
  if (!w.changes.length) return "";
  const rows = w.changes
    .map((c) => `<tr><td><code>${h(c.id)}</code></td><td><code>${h(c.runbook)}</code></td><td>${h(c.site)}</td><td><code>${h(c.legacyPrefix)}</code> → <code>${h(c.newPrefix ?? "see ferry network")}</code></td><td>${h(c.host ?? "")}</td><td>${c.before.length ? c.before.slice(0, 12).map((id) => `<code>${h(id)}</code>`).join(", ") + (c.before.length > 12 ? ` and ${c.before.length - 12} more` : "") : "—"}</td></tr>`)
    .join("");
  return `<h3>Network re-addressing (before the applications move)</h3>
<table><thead><tr><th>change</th><th>runbook</th><th>site</th><th>legacy → new prefix</th><th>device</th><th>before these applications move</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function waveSection(w: PackWave, model: PackModel): string {
  const apps = w.applications
    .map((a) => `<tr><td><code>${h(a.id)}</code></td><td>${h(a.name ?? "")}${a.deferredBy ? `<br><span class="note">held out of the wave on ${h(a.deferredBy.skipped)} by <strong>${h(a.deferredBy.blackout)}</strong></span>` : ""}</td><td>${h(a.owner ?? "")}</td><td>${crit(a.criticality)}</td><td class="num">${a.users ?? ""}</td><td class="num">${a.effort ?? ""}</td><td><code>${h(a.runbook)}</code></td><td>${h(a.site ?? "—")} → ${h(a.target ?? (a.disposition === "retire" ? "retired" : "—"))}</td><td><code>${h(a.group)}</code></td></tr>`)
    .join("");
  const runbooks = w.runbooks
    .map((r) => {
      const status = r.current === false ? ` <strong>(changed since the plan was made)</strong>` : "";
      const lines = r.rollback
        ? `<ol>${r.rollback.map((x) => `<li>undo <code>${h(x.step)}</code>: ${x.action ? `${h(x.action)} <code>${h(x.detail)}</code>` : `<em>${h(x.detail)}</em>`}</li>`).join("")}</ol>`
        : `<p class="note">Runbook not available to the report; rollback summary not shown.</p>`;
      return `<div class="runbook"><h4>Rollback: <code>${h(r.name)}</code>${status}</h4>${lines}</div>`;
    })
    .join("");
  const crossing = w.crossing.length
    ? `<table><thead><tr><th>application</th><th>link</th><th>other application</th><th>where it is</th></tr></thead><tbody>${w.crossing
        .map((l) => `<tr><td><code>${h(l.from)}</code></td><td>${linkText(l)}</td><td><code>${h(l.to)}</code></td><td>${where(l)}</td></tr>`)
        .join("")}</tbody></table>`
    : `<p class="note">${model.hasDependencies ? "No dependencies cross into other waves." : "Dependencies unavailable (report made without the estate)."}</p>`;
  const datasets = w.datasets.length
    ? `<table><thead><tr><th>data set</th><th>application</th><th>decision</th><th class="num">size (GB)</th><th>retain until</th></tr></thead><tbody>${w.datasets
        .map((d) => `<tr><td><code>${h(d.id)}</code></td><td><code>${h(d.application)}</code></td><td>${h(d.decision)}</td><td class="num">${d.sizeGb}</td><td>${h(d.retainUntil ?? "")}</td></tr>`)
        .join("")}</tbody></table>`
    : `<p class="note">No data sets recorded for this wave's applications.</p>`;
  const graph = waveGraphSvg(w);
  const nodeCount = new Set([...w.internal, ...w.crossing].flatMap((l) => [l.from, l.to])).size;
  const graphHtml = graph ?? `<p class="note">${nodeCount > MAX_GRAPH_NODES ? `Graph left out: ${nodeCount} applications are linked, more than ${MAX_GRAPH_NODES}; see the tables.` : "No dependencies to draw."}</p>`;
  const warnings = w.warnings.length ? `<ul>${w.warnings.map((x) => `<li><code>${h(x.code)}</code> ${h(x.message)}</li>`).join("")}</ul>` : `<p class="note">No warnings concern this wave.</p>`;
  return `<section class="wave" id="wave-${w.number}">
<p class="wave-hash">Plan <span class="hash">${h(model.hash)}</span></p>
<h2>Wave ${w.number}: ${h(w.date)}</h2>
<div class="kv"><span>Window</span><span>${h(w.window.start)} to ${h(w.window.end)}</span><span>Load</span><span>${w.load.applications} applications, effort ${w.load.effort}, ${w.load.users} users</span></div>
${w.kept ? `<p class="banner">Kept as it was from wave ${w.kept.wave} of the earlier plan <span class="hash">${h(w.kept.plan)}</span> (${h(w.kept.because)}); not re-planned.</p>` : ""}
${changesTable(w)}
<h3>Applications</h3>
<table><thead><tr><th>id</th><th>name</th><th>owner</th><th>criticality</th><th class="num">users</th><th class="num">effort</th><th>runbook</th><th>from → to</th><th>group</th></tr></thead><tbody>${apps}</tbody></table>
<h3>Rollback plans</h3>${runbooks}
<h3>Dependencies that cross waves</h3>${crossing}
<h3>Dependency graph</h3>${graphHtml}
<h3>Data sets</h3>${datasets}
<h3>Warnings</h3>${warnings}
</section>`;
}

/**
 * The change-board pack as one self-contained HTML file: inline CSS and SVG only, no scripts,
 * fonts or images, so it opens offline and prints with one wave per page and the plan hash on
 * every page (CSS page margin box, and at the top of each wave).
 */
export function renderHtmlPack(model: PackModel): string {
  const cal = model.calendar;
  const drift = model.drift.length ? `<div class="banner"><strong>The inputs changed since this plan was made.</strong> Re-plan before approving.<ul>${model.drift.map((d) => `<li>${h(d)}</li>`).join("")}</ul></div>` : "";
  const byCode = model.warningsByCode.length ? model.warningsByCode.map(([c, n]) => `<code>${h(c)}</code> ${n}`).join(", ") : "none";
  const waveRows = model.waves
    .map((w) => `<tr><td><a href="#wave-${w.number}">${w.number}</a></td><td>${h(w.date)}</td><td class="num">${w.load.applications}</td><td class="num">${w.load.effort}</td><td class="num">${w.load.users}</td><td class="num">${w.warnings.length}</td></tr>`)
    .join("");
  const summary = `<section id="summary">
<h1>Change-board pack</h1>
<p class="note">Approve waves of exactly this plan: <span class="hash">${h(model.hash)}</span></p>
${drift}
<div class="kv">
<span>Plan hash</span><span class="hash">${h(model.hash)}</span>
<span>Inputs digest</span><span class="hash">${h(model.inputsDigest)}</span>
<span>Target stack</span><span>${h(model.targetStack ?? "none")}</span>
<span>Applications</span><span>${model.counts.planned} planned in ${model.counts.waves} waves; ${model.counts.unplaced} unplaced</span>
<span>Warnings</span><span>${byCode}</span>
${cal ? `<span>Calendar</span><span>every ${cal.cadenceDays} days from ${h(cal.firstWave)}, ${cal.horizonWaves} slots (to ${h(cal.lastSlot ?? "")}), window ${h(cal.window.start)}–${h(cal.window.end)} ${h(cal.window.timezone)}</span>
<span>Capacity per wave</span><span>${Object.entries(cal.capacity).map(([k, v]) => `${h(k)} ${v}`).join(", ") || "unlimited"}</span>` : ""}
</div>
<h2>Waves</h2>
<table><thead><tr><th>wave</th><th>date</th><th class="num">applications</th><th class="num">effort</th><th class="num">users</th><th class="num">warnings</th></tr></thead><tbody>${waveRows}</tbody></table>
</section>
<section id="calendar"><h2>Wave calendar</h2>${timelineSvg({ waves: model.waves, calendar: cal })}
${cal?.freezes.length ? `<ul>${cal.freezes.map((f) => `<li>Freeze ${h(f.from)} to ${h(f.to)}: ${h(f.reason)}</li>`).join("")}</ul>` : ""}</section>`;
  const moved = model.keep
    ? `<section id="moved"><h2>Kept and moved since the earlier plan</h2><p>Keeps ${model.keep.waves.length ? model.keep.waves.map((k) => `wave ${k.wave} (${h(k.date)}, ${h(k.because)})`).join(", ") : "no wave"} of <code>${h(model.keep.file)}</code> (<span class="hash">${h(model.keep.plan)}</span>).</p>${
        model.moved.length
          ? `<table><thead><tr><th>application</th><th>was</th><th>now</th><th>why</th></tr></thead><tbody>${model.moved
              .map((m) => `<tr><td><code>${h(m.application)}</code></td><td>${m.from ? `wave ${m.from.wave} (${h(m.from.date)})` : "unplaced"}</td><td>${m.to ? `<a href="#wave-${m.to.wave}">wave ${m.to.wave}</a> (${h(m.to.date)})` : "unplaced"}</td><td>${h(m.why)}</td></tr>`)
              .join("")}</tbody></table>`
          : "<p>Nothing else moved.</p>"
      }</section>`
    : "";
  const unplaced = `<section id="unplaced"><p class="wave-hash">Plan <span class="hash">${h(model.hash)}</span></p><h2>Unplaced applications (${model.unplaced.length})</h2>${
    model.unplaced.length
      ? `<table><thead><tr><th>application</th><th>group</th><th>reason</th></tr></thead><tbody>${model.unplaced.map((u) => `<tr><td><code>${h(u.application)}</code></td><td><code>${h(u.group ?? "")}</code></td><td>${h(u.reason)}</td></tr>`).join("")}</tbody></table>`
      : `<p>Every planned application has a wave.</p>`
  }</section>`;
  const warnings = `<section id="warnings"><p class="wave-hash">Plan <span class="hash">${h(model.hash)}</span></p><h2>Warnings (${model.warnings.length})</h2>${
    model.warnings.length ? `<table><thead><tr><th>code</th><th>message</th></tr></thead><tbody>${model.warnings.map((w) => `<tr><td><code>${h(w.code)}</code></td><td>${h(w.message)}</td></tr>`).join("")}</tbody></table>` : "<p>No warnings.</p>"
  }</section>`;
  const css = CSS.replace("HASH", model.hash.replace(/[^a-z0-9:]/gi, ""));
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
${moved}
${model.waves.map((w) => waveSection(w, model)).join("\n")}
${unplaced}
${warnings}
</main>
<footer class="pack-foot">Plan <span class="hash">${h(model.hash)}</span> · inputs <span class="hash">${h(model.inputsDigest)}</span></footer>
</body>
</html>
`;
}
