import { beforeAll, describe, expect, it } from "vitest";
import type { Project } from "../../src/model/load.js";
import type { Plan } from "../../src/model/plan.js";
import { planWaves } from "../../src/planner/index.js";
import { planSummaryText, rateApplication, renderPack, windowInWords } from "../../src/report/index.js";
import { timelineSvg } from "../../src/report/timeline-svg.js";
import { app, calendar, inputs } from "../planner/fixtures.js";
import { examplePack, parseCsv } from "./example-pack.js";

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/** The HTML of one element with this id, up to the matching close of its tag (no nesting of the same tag inside). */
function block(html: string, id: string, tag: string): string {
  const start = html.indexOf(`id="${id}"`);
  expect(start, `no element with id ${id}`).toBeGreaterThan(0);
  return html.slice(start, html.indexOf(`</${tag}>`, start));
}

describe("the change-board pack of the bundled example", () => {
  let project: Project;
  let plan: Plan;
  let html: string;
  let md: string;
  let csv: string;
  beforeAll(async () => {
    const pack = await examplePack();
    project = pack.project;
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
      for (const h of new Set(hrefs)) expect(html).toContain(`id="${h.slice(1)}"`);
    });

    it("opens with the decisions: each kind of warning with its applications by name and their wave, in words, before the waves", () => {
      const decisions = html.indexOf('<section id="decisions">');
      expect(decisions).toBeGreaterThan(0);
      expect(decisions).toBeLessThan(html.indexOf('<section id="waves">'));
      expect(decisions).toBeLessThan(html.indexOf('<section class="wave"'));
      const section = html.slice(decisions, html.indexOf("</section>", decisions));
      expect(section).toContain("<h3>Data past its retention date that is planned to be migrated (2)</h3>");
      expect(section).toContain("<h3>Applications that depend on each other in a circle, so they move together (1)</h3>");
      expect(section).toContain("<em>Decide:</em> Decide archive or destroy");
      const names = new Map(project.estate.applications.map((a) => [a.id, a.name]));
      const waveOf = new Map(plan.waves.flatMap((w) => w.applications.map((a) => [a.id, w.number] as const)));
      for (const w of plan.warnings) {
        expect(section).toContain(escapeHtml(w.message));
        for (const id of w.applications ?? []) {
          expect(section).toContain(`<strong>${escapeHtml(names.get(id)!)}</strong> (<code>${id}</code>)`);
          expect(section).toContain(`<a href="#wave-${waveOf.get(id)}">wave ${waveOf.get(id)}</a>`);
        }
      }
    });

    it("has a section per wave titled with its window in the council's words and zone, each application in words", () => {
      expect(windowInWords(plan.waves[0]!.window, "Europe/London")).toBe("Tuesday 12 January 2027, 19:00–23:30 GMT");
      const summer = plan.waves.find((w) => w.date >= "2027-04-01")!;
      expect(windowInWords(summer.window, "Europe/London")).toMatch(/^\w+day \d+ (April|May|June) 2027, 19:00–23:30 BST$/);
      for (const w of plan.waves) {
        const section = block(html, `wave-${w.number}`, "section");
        expect(section).toContain(`<h2>Wave ${w.number}: ${windowInWords(w.window, "Europe/London")}</h2>`);
        for (const a of w.applications) expect(section).toContain(`id="app-${a.id}"`);
        for (const h of ["Applications: what changes, go/no-go and rollback", "Dependencies that cross waves"]) expect(section).toContain(`<h3>${h}</h3>`);
        expect(section).not.toContain("{{");
        expect(section).not.toMatch(/group <code>g-\d+/);
      }
    });

    it("renders each application's rollback with its own servers, names and addresses, its go/no-go and its point of no return", () => {
      const w = plan.waves.find((x) => x.applications.some((a) => a.runbook === "rehost-vm"))!;
      const planned = w.applications.find((a) => a.runbook === "rehost-vm")!;
      const a = project.estate.applications.find((x) => x.id === planned.id)!;
      const source = project.estate.hosts.find((h) => h.id === a.hosts[0])!;
      const target = project.estate.hosts.find((h) => h.id === a.params!.targetHost)!;
      const service = a.params?.service ?? a.id;
      const dns = a.params?.dnsName ?? `${a.id}.corp.westnorthants.gov.uk`;
      const detail = block(html, `app-${a.id}`, "div");
      expect(detail).toContain(`<b>Rollback:</b> 1. let ${service} start at boot on ${source.id} again 2. point ${dns} back at ${source.id} (${source.address})`);
      expect(detail).toContain(`start ${service} on ${source.id} again`);
      expect(detail).toContain(`<b>Go if:</b> ${service} is running on ${source.id}`);
      expect(detail).toContain(`<b>Healthy after:</b> ${service} stays running on ${target.id}`);
      expect(detail).toContain("<b>Point of no return:</b> none.");
      expect(detail).toContain(`<b>Changes:</b> County data centre (${source.id}) → Microsoft Azure UK South (${target.id})`);
      expect(detail).not.toContain("{{");
      // A step that runs a command and has no rollback is named as the point of no return.
      const citrix = plan.waves.flatMap((x) => x.applications).find((x) => x.runbook === "citrix-to-avd")!;
      expect(block(html, `app-${citrix.id}`, "div")).toContain("<b>Point of no return:</b> step <code>drain-sessions</code>");
    });

    it("rates every application and wave from the documented factors and explains the rating in a legend", () => {
      const legend = block(html, "legend", "section");
      expect(legend).toContain("<h3>Risk rating</h3>");
      for (const f of ["criticality", "users affected", "rollback", "dependencies across waves", "network re-addressing first", "data set decisions", "warnings naming it"]) expect(legend).toContain(`<td>${f}</td>`);
      expect(legend).toContain("<h3>Dependency graphs</h3>");
      expect(legend).toContain("must move in the same wave");
      const housing = project.estate.applications.find((a) => a.id === "housing-snc")!;
      const detail = block(html, "app-housing-snc", "div");
      expect(detail).toMatch(/Risk <span class="risk risk-[a-z-]+">[a-z ]+<\/span> <span class="note">\d+: [^<]*data set decisions 1, 1 warning 1<\/span>/);
      expect(detail).toContain(`${housing.criticality} criticality ${({ critical: 3, high: 2, medium: 1, low: 0 } as Record<string, number>)[housing.criticality]}`);
      expect(rateApplication({ criticality: "critical", users: 1200, pointOfNoReturn: true, crossWave: 3, reip: true, dataDecisions: 1, warnings: 2 })).toMatchObject({ points: 12, level: "very high" });
      expect(rateApplication({ criticality: "low", users: 5 })).toMatchObject({ points: 0, level: "low", factors: [] });
      for (const w of plan.waves) expect(block(html, `wave-${w.number}`, "section")).toMatch(/Risk <span class="risk risk-[a-z-]+">(low|medium|high|very high)<\/span> <span class="note">\(its riskiest application/);
    });

    it("has an approval status and sign-off block per wave naming the organisations whose approval it needs", () => {
      for (const w of plan.waves) {
        const signoff = block(html, `signoff-${w.number}`, "div");
        expect(signoff).toContain("<h3>Approval status and sign-off</h3>");
        expect(signoff).toMatch(/Approval needed from [A-Z]/);
      }
      // examplePack passes no approvals: the pack says they were not read.
      expect(block(html, "signoff-1", "div")).toContain("Approvals were not read");
    });

    it("shows a retained dependency as retained (not moving) and says which application each column of the cross-wave table describes", () => {
      expect(html).toContain("retained (not moving)");
      expect(html).not.toContain("(not planned)");
      expect(html).toContain("<th>application in this wave</th><th>it depends on (other application, its wave)</th><th>depended on by (other application, its wave)</th>");
    });

    it("groups are explained by what moves together and why, not by their id", () => {
      expect(html).toContain("they depend on each other in a circle, so neither can go first");
      expect(html).not.toMatch(/g-\d{3}/);
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

    it("prints the plan hash on every page (the page margin box) and at the top of every wave", () => {
      expect(html).toContain(`content: "ferry plan ${plan.hash} · page " counter(page)`);
      expect(html.match(new RegExp(`<p class="wave-hash">Plan <span class="hash">${plan.hash}</span></p>`, "g"))).toHaveLength(plan.waves.length);
    });
  });

  describe("cab-pack.md", () => {
    it("carries the same content: decisions first, waves in words with sign-off, rollback with values, legend, Mermaid diagrams", () => {
      expect(md).toContain(`Plan \`${plan.hash}\``);
      expect(md.indexOf("## Decisions for the board")).toBeLessThan(md.indexOf("## Waves"));
      expect(md).toContain("### Data past its retention date that is planned to be migrated (2)");
      for (const w of plan.waves) expect(md).toContain(`## Wave ${w.number}: ${windowInWords(w.window, "Europe/London")}`);
      expect(md.match(/\*\*Approval status and sign-off\.\*\*/g)).toHaveLength(plan.waves.length);
      expect(md).toContain("- **Rollback:** 1.");
      expect(md).toContain("- **Go if:**");
      expect(md).toContain("## How to read this pack");
      expect(md).toContain("retained (not moving)");
      expect(md).not.toContain("{{");
      const blocks = [...md.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]!);
      expect(blocks[0]).toMatch(/^gantt\n/);
      expect(blocks[0]).toContain("section Freezes");
      expect(blocks.filter((b) => b.startsWith("flowchart LR")).length).toBeGreaterThanOrEqual(plan.waves.length - 1);
    });
  });

  describe("waves.csv", () => {
    it("parses as CSV with the documented columns, one row per planned or unplaced application, with its warnings and risk", () => {
      const rows = parseCsv(csv);
      expect(rows[0]).toEqual(["wave", "date", "window_start", "window_end", "application", "name", "owner", "criticality", "users", "effort", "runbook", "group", "site", "target", "disposition", "status", "reason", "warnings", "risk"]);
      const planned = plan.waves.reduce((n, w) => n + w.applications.length, 0);
      expect(rows.slice(1)).toHaveLength(planned + plan.unplaced.length);
      for (const r of rows.slice(1)) expect(r).toHaveLength(19);
      const first = plan.waves[0]!.applications[0]!;
      expect(rows[1]!.slice(0, 5)).toEqual(["1", plan.waves[0]!.date, plan.waves[0]!.window.start, plan.waves[0]!.window.end, first.id]);
      const housing = rows.find((r) => r[4] === "housing-snc")!;
      expect(housing[17]).toMatch(/^retention-expired: data set housing-snc-applications/);
      expect(housing[18]).toMatch(/^(low|medium|high|very high) \(\d+\)$/);
      expect(rows.filter((r) => r[17] !== "").length).toBe(new Set(plan.warnings.flatMap((w) => w.applications ?? [])).size + 1);
    });
  });

  it("shows approvals on file in the sign-off block: who, when in the council's zone, with which key, and awaiting where none", async () => {
    const { files } = await examplePack({
      approvals: new Map([[1, [{ file: "approvals/x-wave-1.yaml", approvedBy: "cab-chair", changeRef: "CHG-1042", approvedAt: "2027-01-05T10:15:00Z", key: "SHA256:" + "A".repeat(43) }]]]),
    });
    const signed = block(files["cab-pack.html"], "signoff-1", "div");
    expect(signed).toContain(`<td>change board</td><td>cab-chair</td><td>Tuesday 5 January 2027, 10:15 GMT</td><td><code>SHA256:${"A".repeat(43)}</code></td><td>CHG-1042</td>`);
    expect(block(files["cab-pack.html"], "signoff-2", "div")).toContain('<span class="awaiting">Awaiting approval.</span>');
    expect(files["cab-pack.html"]).toContain('<td><a href="#wave-1">1</a></td>');
    expect(files["cab-pack.md"]).toContain("| change board | cab-chair | Tuesday 5 January 2027, 10:15 GMT |");
  });

  it("summarises each wave of a large plan (counts, flows, runbooks, riskiest applications) and points to waves.csv and --wave N", async () => {
    const { files } = await examplePack({ mode: "summary" });
    const section = block(files["cab-pack.html"], "wave-1", "section");
    expect(section).toContain("<h3>What moves</h3>");
    expect(section).toMatch(/<h3>The \d+ riskiest applications<\/h3>/);
    expect(section).toContain("<code>ferry report --plan FILE --wave 1</code>");
    expect(section).toContain('id="signoff-1"');
  });
});

describe("timing in the pack", () => {
  it("gives every wave of the bundled example a Mermaid Gantt at P90 with the window's end and the rollback decision point, and the data behind each estimate", async () => {
    const { plan, files } = await examplePack();
    const md = files["cab-pack.md"];
    const gantts = [...md.matchAll(/```mermaid\n(gantt\n {2}title Wave (\d+) at P90[\s\S]*?)```/g)];
    expect(gantts.map((m) => Number(m[2]))).toEqual(plan.waves.map((w) => w.number));
    const first = gantts[0]![1]!;
    const w1 = plan.waves[0]!;
    expect(first).toContain("  dateFormat YYYY-MM-DD HH:mm\n");
    expect(first).toContain(`  Window ends :milestone, we, ${w1.date} 23:30, 0m`);
    expect(first).toContain(`  Start rolling back by :milestone, rb, ${w1.timing!.rollbackDecisionAt.slice(0, 10)} ${w1.timing!.rollbackDecisionAt.slice(11, 16)}, 0m`);
    for (const a of w1.applications) expect(first).toContain(`  section ${a.id}\n`);
    expect(first).toMatch(/ :crit, t\d+, /);
    // Every task starts inside the drawing's day and has a whole number of minutes.
    for (const line of first.split("\n").filter((l) => /:(crit, )?t\d+, /.test(l))) expect(line).toMatch(/, \d{4}-\d{2}-\d{2} \d{2}:\d{2}, \d+m$/);
    expect(md).toContain("**Fits.** Expected duration");
    expect(md).toContain("**Overruns.** Expected duration");
    // The data behind the estimate, and who has an estimate of its own (Markdown escapes + and brackets).
    expect(md).toContain("| `rehost-vm` | step `presync` | P50 5m, P90 10m \\+ 10s per GB \\(P90 20s\\) | estimate | `erp-gold` |");
    const html = files["cab-pack.html"];
    expect(block(html, "timing-1", "details")).toContain("The data behind each estimate");
  });

  it("labels estimates as measured or not estimated, and summarises a big wave's Gantt to its critical path and the applications that end last", () => {
    const apps = Array.from({ length: 40 }, (_, i) => app(`app-${String(i).padStart(2, "0")}`));
    const project = inputs({ applications: apps, calendar: calendar() });
    const actuals = new Map([["rehost-vm/cutover", { count: 4, rehearsals: 3, real: 1, p50Ms: 600_000, p90Ms: 900_000 }]]);
    const plan = planWaves(project, { actuals });
    expect(plan.waves).toHaveLength(1);
    const files = renderPack({ plan, estate: project.estate, runbooks: project.runbooks, drift: [] });
    const html = files["cab-pack.html"];
    expect(html.match(/<text [^>]*text-anchor="end" fill="#(b42318|102a43)"[^>]*>app-\d\d<\/text>/g)).toHaveLength(30);
    expect(html).toContain("Showing 30 of 40 applications: the critical path and those that end last.");
    expect(html).toContain("P50 10m, P90 15m measured in 4 runs (3 rehearsals, 1 real)");
    expect(html).toContain("<strong>not estimated</strong>");
    expect(files["cab-pack.md"]).toContain("Showing 30 of 40 applications");
  });
});

describe("ferry plan's summary", () => {
  it("names each warning's applications and wave, not only the counts", async () => {
    const { plan } = await examplePack();
    const text = planSummaryText(plan);
    expect(text).toContain("  dependency-cycle: m3-snc + planning-snc (wave ");
    expect(text).toMatch(/ {2}retention-expired: housing-snc \(wave \d+\); hr-ddc \(wave \d+\)/);
  });
});

describe("pack rendering details", () => {
  const awkwardInputs = inputs({
      applications: [
        app("a", { name: 'Revenues, "Capita" <Academy> & co', owner: '=HYPERLINK("x")', dependsOn: [{ app: "b" }] }),
        app("b", { name: "Line\nbreak" }),
        app("c", { effort: 99, name: "Too, big" }),
      ],
      calendar: calendar({ capacity: { applications: 1, effort: 10 }, freezes: [{ from: "2027-01-20", to: "2027-01-28", reason: "Mid-January <freeze>" }] }),
  });
  const awkward = planWaves(awkwardInputs);
  // Names and owners are the estate's: the plan carries ids.
  const files = renderPack({ plan: awkward, estate: awkwardInputs.estate });
  const planOnly = renderPack({ plan: awkward });

  it("escapes commas, quotes and line breaks in CSV fields and guards against spreadsheet formulas", () => {
    const rows = parseCsv(files["waves.csv"]);
    const byId = new Map(rows.slice(1).map((r) => [r[4], r]));
    expect(byId.get("a")![5]).toBe('Revenues, "Capita" <Academy> & co');
    expect(byId.get("a")![6]).toBe(`'=HYPERLINK("x")`);
    expect(byId.get("b")![5]).toBe("Line\nbreak");
    expect(byId.get("c")!.slice(15, 17)).toEqual(["unplaced", "group effort of 99 points exceeds the wave capacity of 10"]);
    expect(files["waves.csv"]).toContain('"Revenues, ""Capita"" <Academy> & co"');
  });

  it("escapes HTML in names and reasons", () => {
    expect(files["cab-pack.html"]).toContain("Revenues, &quot;Capita&quot; &lt;Academy&gt; &amp; co");
    expect(files["cab-pack.html"]).not.toContain("<Academy>");
    expect(files["cab-pack.html"]).toContain("Mid-January &lt;freeze&gt;");
  });

  it("shades a freeze that falls between waves, and leaves out dependencies when no estate is given", () => {
    expect(timelineSvg({ waves: awkward.waves, calendar: awkward.calendar }).match(/class="freeze"/g)).toHaveLength(1);
    expect(planOnly["cab-pack.html"]).toContain("Dependencies not shown: the estate was not read.");
    expect(parseCsv(planOnly["waves.csv"]).find((r) => r[4] === "a")!.slice(5, 8)).toEqual(["a", "", ""]);
  });

  it("shows a drift banner when the inputs changed since planning", () => {
    const html = renderPack({ plan: awkward, drift: ["estate/ changed since the plan was made"] })["cab-pack.html"];
    expect(html).toContain('<div class="banner"><strong>The inputs changed since this plan was made.</strong>');
  });
});
