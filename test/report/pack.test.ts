import { beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "../../src/model/plan.js";
import { planWaves } from "../../src/planner/index.js";
import { renderPack } from "../../src/report/index.js";
import { timelineSvg } from "../../src/report/timeline-svg.js";
import { app, calendar, inputs } from "../planner/fixtures.js";
import { examplePack, parseCsv } from "./example-pack.js";

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

describe("the change-board pack of the bundled example", () => {
  let plan: Plan;
  let html: string;
  let md: string;
  let csv: string;
  beforeAll(async () => {
    const pack = await examplePack();
    plan = pack.plan;
    html = pack.files["cab-pack.html"];
    md = pack.files["cab-pack.md"];
    csv = pack.files["waves.csv"];
  });

  describe("cab-pack.html", () => {
    it("is one self-contained file: no scripts, no external src or href, no fonts or stylesheets from outside", () => {
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toMatch(/<link\b/i);
      expect(html).not.toMatch(/<img\b|<iframe\b|<object\b|<embed\b/i);
      expect(html).not.toMatch(/\bsrc\s*=/i);
      expect(html).not.toMatch(/@import|@font-face|url\(\s*['"]?(https?:|\/\/)/i);
      const hrefs = [...html.matchAll(/\bhref\s*=\s*"([^"]*)"/gi)].map((m) => m[1]!);
      expect(hrefs.length).toBeGreaterThan(0);
      expect(hrefs.filter((h) => !h.startsWith("#"))).toEqual([]);
      // Every in-page link points at something that exists.
      for (const h of new Set(hrefs)) expect(html).toContain(`id="${h.slice(1)}"`);
    });

    it("has a section per wave, each with its applications, rollback plans, crossing dependencies and data sets", () => {
      for (const w of plan.waves) {
        const start = html.indexOf(`<section class="wave" id="wave-${w.number}">`);
        expect(start).toBeGreaterThan(0);
        const section = html.slice(start, html.indexOf("</section>", start));
        expect(section).toContain(`Wave ${w.number}: ${w.date}`);
        for (const a of w.applications) expect(section).toContain(`<code>${a.id}</code>`);
        for (const h of ["Applications", "Rollback plans", "Dependencies that cross waves", "Dependency graph", "Data sets", "Warnings"]) expect(section).toContain(`<h3>${h}</h3>`);
        expect(section).toContain("<h4>Rollback: <code>");
      }
    });

    it("draws the wave calendar as an inline SVG timeline with a bar per wave and the freezes shaded", () => {
      const at = html.indexOf('class="timeline"');
      const svg = html.slice(at, html.indexOf("</svg>", at));
      expect(svg.match(/class="wave-bar"/g)).toHaveLength(plan.waves.length);
      expect(svg).toMatch(/<rect class="freeze"[^>]*><title>Freeze 2026-12-18 to 2027-01-04: Christmas and New Year change freeze<\/title>/);
    });

    it("draws a dependency graph per wave as inline SVG laid out by dagre", () => {
      const graphs = [...html.matchAll(/<svg [^>]*class="wave-graph"[^>]*aria-label="Dependency graph of wave (\d+)"/g)].map((m) => Number(m[1]));
      expect(graphs.length).toBeGreaterThanOrEqual(plan.waves.length - 1);
      expect(graphs).toEqual([...graphs].sort((a, b) => a - b));
      expect(html).toMatch(/<g class="node"><title>[^<]+<\/title><rect x="[\d.]+" y="[\d.]+"/);
    });

    it("lists the unplaced applications and every warning", () => {
      expect(html).toContain(`<h2>Unplaced applications (${plan.unplaced.length})</h2>`);
      expect(html).toContain(`<h2>Warnings (${plan.warnings.length})</h2>`);
      for (const w of plan.warnings) expect(html).toContain(escapeHtml(w.message));
    });

    it("prints the plan hash on every page: the page margin box, and the top of every section that starts a page", () => {
      expect(html).toContain(`content: "ferry plan ${plan.hash} · page " counter(page)`);
      const pageStarts = html.match(/<section (class="wave" id="wave-\d+"|id="unplaced"|id="warnings")>/g)!;
      expect(pageStarts).toHaveLength(plan.waves.length + 2);
      expect(html.match(new RegExp(`<p class="wave-hash">Plan <span class="hash">${plan.hash}</span></p>`, "g"))).toHaveLength(plan.waves.length + 2);
    });
  });

  describe("cab-pack.md", () => {
    it("has the same sections, with a Mermaid gantt calendar and a Mermaid flowchart per wave with links", () => {
      expect(md).toContain(`Plan \`${plan.hash}\``);
      for (const w of plan.waves) expect(md).toContain(`## Wave ${w.number}: ${w.date}`);
      const blocks = [...md.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]!);
      expect(blocks[0]).toMatch(/^gantt\n/);
      expect(blocks[0]).toContain("section Freezes");
      expect(blocks.filter((b) => b.startsWith("flowchart LR")).length).toBeGreaterThanOrEqual(plan.waves.length - 1);
      expect(md).toContain(`## Unplaced applications (${plan.unplaced.length})`);
      expect(md).toContain(`## Warnings (${plan.warnings.length})`);
    });
  });

  describe("waves.csv", () => {
    it("parses as CSV with the documented columns and one row per planned or unplaced application", () => {
      const rows = parseCsv(csv);
      expect(rows[0]).toEqual(["wave", "date", "window_start", "window_end", "application", "name", "owner", "criticality", "users", "effort", "runbook", "group", "site", "target", "disposition", "status", "reason"]);
      const planned = plan.waves.reduce((n, w) => n + w.applications.length, 0);
      expect(rows.slice(1)).toHaveLength(planned + plan.unplaced.length);
      for (const r of rows.slice(1)) expect(r).toHaveLength(17);
      const first = plan.waves[0]!.applications[0]!;
      expect(rows[1]!.slice(0, 5)).toEqual(["1", plan.waves[0]!.date, plan.waves[0]!.window.start, plan.waves[0]!.window.end, first.id]);
    });
  });
});

describe("pack rendering details", () => {
  const awkward = planWaves(
    inputs({
      applications: [
        app("a", { name: 'Revenues, "Capita" <Academy> & co', owner: '=HYPERLINK("x")', dependsOn: [{ app: "b" }] }),
        app("b", { name: "Line\nbreak" }),
        app("c", { effort: 99, name: "Too, big" }),
      ],
      calendar: calendar({ capacity: { applications: 1, effort: 10 }, freezes: [{ from: "2027-01-20", to: "2027-01-28", reason: "Mid-January <freeze>" }] }),
    }),
  );
  const files = renderPack({ plan: awkward });

  it("escapes commas, quotes and line breaks in CSV fields and guards against spreadsheet formulas", () => {
    const rows = parseCsv(files["waves.csv"]);
    const byId = new Map(rows.slice(1).map((r) => [r[4], r]));
    expect(byId.get("a")![5]).toBe('Revenues, "Capita" <Academy> & co');
    expect(byId.get("a")![6]).toBe(`'=HYPERLINK("x")`);
    expect(byId.get("b")![5]).toBe("Line\nbreak");
    expect(byId.get("c")!.slice(15)).toEqual(["unplaced", "group effort of 99 points exceeds the wave capacity of 10"]);
    expect(files["waves.csv"]).toContain('"Revenues, ""Capita"" <Academy> & co"');
  });

  it("escapes HTML in names and reasons", () => {
    expect(files["cab-pack.html"]).toContain("Revenues, &quot;Capita&quot; &lt;Academy&gt; &amp; co");
    expect(files["cab-pack.html"]).not.toContain("<Academy>");
    expect(files["cab-pack.html"]).toContain("Mid-January &lt;freeze&gt;");
  });

  it("shades a freeze that falls between waves, and leaves out dependencies when no estate is given", () => {
    expect(timelineSvg({ waves: awkward.waves, calendar: awkward.calendar }).match(/class="freeze"/g)).toHaveLength(1);
    expect(files["cab-pack.html"]).toContain("Dependencies unavailable (report made without the estate).");
  });

  it("shows a drift banner when the inputs changed since planning", () => {
    const html = renderPack({ plan: awkward, drift: ["estate/ changed since the plan was made"] })["cab-pack.html"];
    expect(html).toContain('<div class="banner"><strong>The inputs changed since this plan was made.</strong>');
  });
});
