/** Renders plans for people: the change-board pack as HTML, Markdown and CSV (docs/pack.md). Pure. */
import { renderWavesCsv } from "./csv.js";
import { renderHtmlPack } from "./html.js";
import { renderMarkdownPack } from "./markdown.js";
import { buildPackModel, type ReportInputs } from "./pack-model.js";

export type { ReportInputs, PackModel, PackWave, PackLink, PackApp, PackApproval } from "./pack-model.js";
export { buildPackModel, DETAIL_LIMIT } from "./pack-model.js";
export { renderHtmlPack } from "./html.js";
export { renderMarkdownPack } from "./markdown.js";
export { renderWavesCsv } from "./csv.js";
export { rollbackSummary } from "./rollback.js";
export { rateApplication, RISK_RULES, RISK_BANDS } from "./risk.js";
export { windowInWords, dateInWords } from "./words.js";
export { planSummaryText, waveSummaryRows, waveSummaryTable, type WaveRow } from "./summary.js";
export { escapeHtml, escapeMarkdown, csvField, mermaidLabel } from "./escape.js";

/** The pack's three files by name: `cab-pack.html`, `cab-pack.md`, `waves.csv`. */
export function renderPack(inputs: ReportInputs): Record<"cab-pack.html" | "cab-pack.md" | "waves.csv", string> {
  const model = buildPackModel(inputs);
  const only = inputs.only ? new Set(inputs.only) : undefined;
  const plan = only ? { ...inputs.plan, waves: inputs.plan.waves.filter((w) => only.has(w.number)), unplaced: [] } : inputs.plan;
  return { "cab-pack.html": renderHtmlPack(model), "cab-pack.md": renderMarkdownPack(model), "waves.csv": renderWavesCsv(plan, model) };
}
