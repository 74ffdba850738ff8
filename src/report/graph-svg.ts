import dagre from "@dagrejs/dagre";
import { escapeHtml } from "./escape.js";
import type { PackDetailWave } from "./pack-model.js";

/** Above this many nodes a wave's graph is left out: a board reads the tables instead. */
export const MAX_GRAPH_NODES = 120;

const CRIT_COLOURS: Record<string, string> = { critical: "#c81e1e", high: "#e07b00", medium: "#2f6fb3", low: "#3f9142" };

const line = (style: string) => `<svg class="legend-line" viewBox="0 0 34 10" width="34" height="10" aria-hidden="true"><path d="M1,5 L29,5" stroke="#52606d"${style} marker-end="url(#legend-arrow)"/></svg>`;
const box = (stroke: string, dash = "") => `<svg class="legend-line" viewBox="0 0 34 14" width="34" height="14" aria-hidden="true"><rect x="2" y="2" width="30" height="10" rx="3" fill="#fff" stroke="${stroke}" stroke-width="2"${dash}/></svg>`;

/** The key to the graphs' line styles and colours, as HTML (one list, inline SVG samples). */
export const GRAPH_LEGEND = `<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs><marker id="legend-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#52606d"/></marker></defs></svg>
<ul class="graph-legend">
<li>${line("")} depends on: the arrow points at what the application needs, which moves first or in the same wave</li>
<li>${line(' stroke-width="3"')} must move in the same wave (a latency-sensitive link)</li>
<li>${line(' stroke-dasharray="2 3"')} uses, recorded only: no order needed</li>
<li>Box outline by criticality: ${box(CRIT_COLOURS.critical!)} critical ${box(CRIT_COLOURS.high!)} high ${box(CRIT_COLOURS.medium!)} medium ${box(CRIT_COLOURS.low!)} low; ${box("#9aa5b1", ' stroke-dasharray="4 3"')} an application in another wave (its wave in brackets), retained, or not in this plan</li>
</ul>`;

function label(text: string, max = 34): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * The dependency graph of one wave as inline SVG, laid out by dagre: the wave's applications
 * (coloured by criticality), the applications in other waves they link to (dashed), and the
 * links (solid: order, double: together, dotted: recorded only). Arrows point from an
 * application to what it depends on. Undefined when the wave has nothing to draw or is too big.
 */
export function waveGraphSvg(wave: PackDetailWave): string | undefined {
  if (wave.internal.length === 0 && wave.crossing.length === 0) return undefined;
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: "LR", nodesep: 20, edgesep: 12, ranksep: 56, marginx: 10, marginy: 10 });
  g.setDefaultEdgeLabel(() => ({}));
  const inWave = new Map(wave.apps.map((a) => [a.id, a]));
  const external = new Map<string, string>();
  for (const l of wave.crossing) {
    const other = inWave.has(l.from) ? l.to : l.from;
    const where = l.otherWave === undefined ? "" : typeof l.otherWave === "number" ? `wave ${l.otherWave}` : l.otherWave === "retained" ? "retained, not moving" : l.otherWave;
    external.set(other, where);
  }
  const linked = new Set<string>();
  for (const l of [...wave.internal, ...wave.crossing]) linked.add(l.from).add(l.to);
  const nodes = [...linked].sort();
  if (nodes.length > MAX_GRAPH_NODES) return undefined;
  for (const id of nodes) {
    const app = inWave.get(id);
    const text = app ? label(id) : label(`${id} (${external.get(id) ?? "elsewhere"})`);
    g.setNode(id, { width: Math.max(60, text.length * 6.6 + 18), height: 26, label: text });
  }
  const links = [...wave.internal, ...wave.crossing];
  links.forEach((l, i) => g.setEdge(l.from, l.to, { kind: l.kind }, `e${i}`));
  dagre.layout(g);
  const { width = 100, height = 60 } = g.graph();
  const id = `w${wave.number}`;
  const out: string[] = [];
  out.push(`<defs><marker id="arrow-${id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#52606d"/></marker></defs>`);
  links.forEach((l, i) => {
    const e = g.edge({ v: l.from, w: l.to, name: `e${i}` }) as { points?: { x: number; y: number }[] } | undefined;
    const pts = e?.points ?? [];
    if (pts.length < 2) return;
    const d = pts.map((p, j) => `${j === 0 ? "M" : "L"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ");
    const style = l.kind === "together" ? ` stroke-width="3"` : l.kind === "none" ? ` stroke-dasharray="2 3"` : "";
    out.push(`<path d="${d}" fill="none" stroke="#52606d"${style} marker-end="url(#arrow-${id})"><title>${escapeHtml(`${l.from} depends on ${l.to} (${l.kind})`)}</title></path>`);
  });
  for (const n of nodes) {
    const v = g.node(n) as { x: number; y: number; width: number; height: number; label: string };
    const app = inWave.get(n);
    const x0 = (v.x - v.width / 2).toFixed(1);
    const y0 = (v.y - v.height / 2).toFixed(1);
    const stroke = app ? (CRIT_COLOURS[app.criticality ?? ""] ?? "#52606d") : "#9aa5b1";
    const dash = app ? "" : ` stroke-dasharray="4 3"`;
    const tip = app ? `${app.id}: ${app.name} (${app.criticality ?? ""}, ${app.owner ?? ""})` : `${n}: ${external.get(n) ?? ""}`;
    out.push(
      `<g class="node"><title>${escapeHtml(tip)}</title><rect x="${x0}" y="${y0}" width="${v.width.toFixed(1)}" height="${v.height.toFixed(1)}" rx="4" fill="${app ? "#ffffff" : "#f0f4f8"}" stroke="${stroke}" stroke-width="2"${dash}/>` +
        `<text x="${v.x.toFixed(1)}" y="${(v.y + 4).toFixed(1)}" font-size="11" text-anchor="middle" fill="#102a43">${escapeHtml(v.label)}</text></g>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" class="wave-graph" viewBox="0 0 ${Math.ceil(width)} ${Math.ceil(height)}" width="${Math.min(Math.ceil(width), 960)}" role="img" aria-label="${escapeHtml(`Dependency graph of wave ${wave.number}`)}">${out.join("")}</svg>`;
}
