import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { exampleCommand } from "../../src/cli/example.js";
import { assertValid, loadProject } from "../../src/model/load.js";
import type { Plan } from "../../src/model/plan.js";
import { planWaves } from "../../src/planner/index.js";
import { renderWavesCsv } from "../../src/report/csv.js";
import { buildPackModel, riskiest, SUMMARY_TOP, type PackApp, type PackModel, type PackRow, type ReportInputs } from "../../src/report/pack-model.js";
import { rateApplication, rateApplicationPoints, type RiskFacts } from "../../src/report/risk.js";
import { grouped } from "../../src/report/words.js";
import { seededRandom } from "../../src/example/random.js";
import { examplePack } from "./example-pack.js";

/** What waves.csv lists of an application, taken from a fully built one. */
function rowOf(a: PackApp): PackRow {
  return {
    id: a.id,
    name: a.name,
    ...(a.owner !== undefined ? { owner: a.owner } : {}),
    ...(a.criticality !== undefined ? { criticality: a.criticality } : {}),
    ...(a.users !== undefined ? { users: a.users } : {}),
    ...(a.effort !== undefined ? { effort: a.effort } : {}),
    ...(a.disposition !== undefined ? { disposition: a.disposition } : {}),
    risk: { level: a.risk.level, points: a.risk.points },
  };
}

/**
 * The summarised model of a plan against the straightforward reference: the detailed model of the
 * same plan (every application built in full), its applications sorted riskiest first by id and
 * the first SUMMARY_TOP taken, as the renderers once did.
 */
function expectSummaryMatchesDetail(plan: Plan, inputs: Omit<ReportInputs, "mode">): { detail: PackModel; summary: PackModel } {
  const detail = buildPackModel({ ...inputs, mode: "detail" });
  const summary = buildPackModel({ ...inputs, mode: "summary" });
  expect(summary.waves.map((w) => w.number)).toEqual(detail.waves.map((w) => w.number));
  detail.waves.forEach((d, i) => {
    const s = summary.waves[i]!;
    if (d.mode !== "detail" || s.mode !== "summary") throw new Error("each model's waves are of its own mode");
    // Summarised applications carry no runbook words (they are not rendered); everything else is the same.
    const reference = [...d.apps]
      .sort((a, b) => b.risk.points - a.risk.points || (a.id < b.id ? -1 : 1))
      .slice(0, SUMMARY_TOP)
      .map(({ words: _words, ...rest }) => rest);
    expect(s.top, `wave ${d.number}'s riskiest`).toEqual(reference);
    expect(s.rows, `wave ${d.number}'s rows`).toEqual(d.apps.map(rowOf));
    expect(s.risk, `wave ${d.number}'s rating`).toEqual(d.risk);
  });
  expect(renderWavesCsv(plan, summary)).toBe(renderWavesCsv(plan, detail));
  return { detail, summary };
}

describe("a summarised pack rates and lists applications exactly as a detailed one", () => {
  it("on the bundled example (re-addressing first, a dependency cycle, retention decisions)", async () => {
    const { project, plan } = await examplePack();
    const { detail } = expectSummaryMatchesDetail(plan, { plan, estate: project.estate, runbooks: project.runbooks, drift: [] });
    const apps = detail.waves.flatMap((w) => (w.mode === "detail" ? w.apps : []));
    // The sample exercises every factor the points-only rating adds up.
    expect(apps.some((a) => a.reip.length > 0)).toBe(true);
    expect(apps.some((a) => a.together !== undefined)).toBe(true);
    expect(apps.some((a) => a.risk.factors.some((f) => f.factor === "data set decisions"))).toBe(true);
    expect(apps.some((a) => a.risk.factors.some((f) => f.factor === "point of no return"))).toBe(true);
  });

  describe("on a generated estate of 600 applications", () => {
    let dir: string;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "ferry-summary-"));
      const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
      try {
        await exampleCommand({ apps: 600, seed: 4, out: dir });
      } finally {
        write.mockRestore();
      }
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("every wave's riskiest, rows, rating and waves.csv; also from the plan alone and for chosen waves", async () => {
      const project = await loadProject(dir);
      assertValid(project);
      const plan = planWaves(project);
      const { detail } = expectSummaryMatchesDetail(plan, { plan, estate: project.estate, runbooks: project.runbooks, drift: [] });
      const apps = detail.waves.flatMap((w) => (w.mode === "detail" ? w.apps : []));
      expect(detail.waves.length).toBeGreaterThan(5);
      expect(apps.some((a) => a.crossing.filter((l) => l.kind !== "none").length >= 3)).toBe(true);
      expect(apps.some((a) => a.together !== undefined)).toBe(true);
      expect(apps.some((a) => a.warnings.length > 0)).toBe(true);
      expect(new Set(apps.map((a) => a.risk.points)).size).toBeGreaterThan(4);
      // Ties on points are common: the order by id decides which make the ten.
      const w = detail.waves.find((x) => x.mode === "detail" && x.apps.length > SUMMARY_TOP && x.apps.filter((a) => a.risk.points === [...x.apps].sort((p, q) => q.risk.points - p.risk.points)[SUMMARY_TOP - 1]!.risk.points).length > 1);
      expect(w, "a wave whose tenth riskiest ties with another").toBeDefined();
      expectSummaryMatchesDetail(plan, { plan });
      // A plan naming an application twice (here: planned and unplaced) takes the per-wave count; the same result.
      const twice: Plan = { ...plan, unplaced: [...plan.unplaced, { application: plan.waves[1]!.applications[0]!.id, reason: "named twice" }] };
      expectSummaryMatchesDetail(twice, { plan: twice, estate: project.estate, runbooks: project.runbooks, drift: [] });
      expectSummaryMatchesDetail(plan, { plan, estate: project.estate, runbooks: project.runbooks, drift: [], only: [2, 3] });
    });
  });
});

describe("the risk rating's points", () => {
  it("are the full rating's level and points for every combination of factors", () => {
    const values = {
      criticality: [undefined, "critical", "high", "medium", "low", "other"],
      users: [undefined, 0, 99, 100, 999, 1000, 250_000],
      rollback: [{}, { runbookUnknown: true }, { pointOfNoReturn: true }, { runbookUnknown: true, pointOfNoReturn: true }],
      crossWave: [undefined, 0, 1, 2, 3, 7],
      reip: [undefined, false, true],
      dataDecisions: [undefined, 0, 1, 3],
      warnings: [undefined, 0, 1, 4],
    };
    let n = 0;
    for (const criticality of values.criticality)
      for (const users of values.users)
        for (const rollback of values.rollback)
          for (const crossWave of values.crossWave)
            for (const reip of values.reip)
              for (const dataDecisions of values.dataDecisions)
                for (const warnings of values.warnings) {
                  const f: RiskFacts = { criticality, users, ...rollback, crossWave, reip, dataDecisions, warnings };
                  const full = rateApplication(f);
                  expect(rateApplicationPoints(f)).toEqual({ level: full.level, points: full.points });
                  n++;
                }
    expect(n).toBeGreaterThan(20_000);
  });

  it("writes users as toLocaleString('en-GB') does, from one formatter", () => {
    for (const n of [0, 7, 999, 1000, 12_345, 1_234_567, 2.5]) expect(grouped(n)).toBe(n.toLocaleString("en-GB"));
    expect(rateApplication({ users: 12_345 }).factors).toContainEqual({ factor: "12,345 users", points: 2 });
  });
});

describe("the riskiest rows", () => {
  it("are the first k of every row sorted riskiest first, then by id, with many ties", () => {
    const random = seededRandom(11);
    for (let trial = 0; trial < 200; trial++) {
      const count = Math.floor(random() * 60);
      const ids = new Set<string>();
      while (ids.size < count) ids.add(`app-${Math.floor(random() * 1000)}`);
      const rows: PackRow[] = [...ids].map((id) => ({ id, name: id, risk: { level: "low", points: Math.floor(random() * 5) } }));
      for (const k of [0, 1, 3, SUMMARY_TOP, 100]) {
        const sorted = rows.map((r, i) => ({ r, i })).sort((a, b) => b.r.risk.points - a.r.risk.points || (a.r.id < b.r.id ? -1 : 1));
        expect(riskiest(rows, k)).toEqual(sorted.slice(0, k).map((x) => x.i));
      }
    }
  });
});
