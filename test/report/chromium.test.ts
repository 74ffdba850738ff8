import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "../../src/model/plan.js";
import { windowInWords } from "../../src/report/index.js";
import { REPO_ROOT } from "../planner/repo-copy.js";
import { examplePack } from "./example-pack.js";
import { skipUnlessCi } from "../harness/missing-tool.js";

const CHROMIUM = "/usr/bin/chromium";
const present = !skipUnlessCi(existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed`);
const title = present ? "cab-pack.html in headless Chromium" : `cab-pack.html in headless Chromium (skipped: ${CHROMIUM} is not installed; apt-get install chromium)`;

describe.skipIf(!present)(title, () => {
  let browser: Browser;
  let plan: Plan;
  let file: string;
  beforeAll(async () => {
    const pack = await examplePack();
    plan = pack.plan;
    file = join(mkdtempSync(join(tmpdir(), "ferry-pack-")), "cab-pack.html");
    writeFileSync(file, pack.files["cab-pack.html"]);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it("shows every wave section and SVG, loads nothing from outside, logs no errors, and is saved as a screenshot", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });

    for (const w of plan.waves) {
      const section = page.locator(`section#wave-${w.number}`);
      await expect(section.isVisible()).resolves.toBe(true);
      await expect(section.locator("h2").textContent()).resolves.toBe(`Wave ${w.number}: ${windowInWords(w.window, "Europe/London")}`);
    }
    await expect(page.locator("svg.timeline").isVisible()).resolves.toBe(true);
    const freeze = await page.locator("svg.timeline rect.freeze").first().boundingBox();
    expect(freeze?.width).toBeGreaterThan(1);
    const graphs = page.locator("svg.wave-graph");
    const count = await graphs.count();
    expect(count).toBeGreaterThanOrEqual(plan.waves.length - 1);
    for (let i = 0; i < count; i++) {
      const box = await graphs.nth(i).boundingBox();
      expect(box?.width).toBeGreaterThan(50);
      expect(box?.height).toBeGreaterThan(20);
    }
    // Decisions come first: above the wave table and every wave.
    const decisions = await page.locator("section#decisions").boundingBox();
    const waves = await page.locator("section#waves").boundingBox();
    expect(decisions!.y).toBeLessThan(waves!.y);
    // Overrunning waves lead: "will it fit?" is the board's first question.
    await expect(page.locator("section#decisions h3").first().textContent()).resolves.toMatch(/^Waves expected to run past their maintenance window \(\d+\)$/);

    expect(requests.filter((u) => !u.startsWith("file:"))).toEqual([]);
    expect(problems).toEqual([]);

    const artefacts = join(REPO_ROOT, "test-artifacts");
    mkdirSync(artefacts, { recursive: true });
    await page.screenshot({ path: join(artefacts, "cab-pack.png"), fullPage: true });
    expect(existsSync(join(artefacts, "cab-pack.png"))).toBe(true);
    await page.close();
  }, 90_000);

  it("shows each application's rollback with real values, its risk, and the sign-off block on screen; ids are never broken across lines", async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    const rehost = plan.waves.flatMap((w) => w.applications).find((a) => a.runbook === "rehost-vm")!;
    const rollback = await page.locator(`#app-${rehost.id} p.rollback`).textContent();
    expect(rollback).toMatch(/^Rollback: 1\. /);
    expect(rollback).not.toContain("{{");
    await expect(page.locator(`#app-${rehost.id} .risk`).isVisible()).resolves.toBe(true);
    for (const w of plan.waves) await expect(page.locator(`#signoff-${w.number}`).textContent()).resolves.toContain("Approval status and sign-off");
    // Every <code> (ids, hosts, prefixes) is laid out on one line, in the page and when printed.
    // Evaluated in the page (a string: this file is compiled without the DOM library).
    const broken = async () => page.evaluate(`[...document.querySelectorAll("code")].filter((c) => c.getClientRects().length > 1).map((c) => c.textContent)`) as Promise<string[]>;
    await expect(broken()).resolves.toEqual([]);
    await page.emulateMedia({ media: "print" });
    await page.setViewportSize({ width: 730, height: 1000 });
    await expect(broken()).resolves.toEqual([]);
    await page.close();
  }, 90_000);

  it("draws each wave's schedule: bars inside the window when it fits, past it when it overruns, the rollback decision point before the window's end", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    let overruns = 0;
    for (const w of plan.waves) {
      const t = w.timing!;
      const block = page.locator(`#timing-${w.number}`);
      await expect(block.locator("p.fit strong").textContent()).resolves.toBe(t.fits ? "Fits." : "Overruns.");
      const gantt = block.locator("svg.gantt");
      await expect(gantt.isVisible()).resolves.toBe(true);
      const end = (await gantt.locator("line.window-end").boundingBox())!;
      const decision = (await gantt.locator("line.rollback-decision").boundingBox())!;
      expect(decision.x).toBeLessThanOrEqual(end.x);
      const bars = gantt.locator("rect.gantt-bar");
      const n = await bars.count();
      // Every application has a row with its prechecks, steps and verify gates.
      expect(n).toBeGreaterThanOrEqual(w.applications.length);
      let rightmost = 0;
      for (let i = 0; i < n; i++) {
        const b = (await bars.nth(i).boundingBox())!;
        rightmost = Math.max(rightmost, b.x + b.width);
      }
      if (t.fits) expect(rightmost).toBeLessThanOrEqual(end.x + end.width + 1);
      else {
        overruns++;
        expect(rightmost).toBeGreaterThan(end.x + end.width);
      }
      // The critical path is outlined, and its last application is on it.
      await expect(gantt.locator("rect.gantt-bar.critical").count()).resolves.toBeGreaterThan(0);
      const last = t.criticalPath[t.criticalPath.length - 1]!.application;
      await expect(gantt.locator("text", { hasText: new RegExp(`^${last}$`) }).getAttribute("font-weight")).resolves.toBe("bold");
    }
    // The bundled example shows both: waves that fit and the multi-terabyte copies that do not.
    expect(overruns).toBeGreaterThan(0);
    expect(overruns).toBeLessThan(plan.waves.length);
    const first = page.locator(`#timing-1`);
    await first.screenshot({ path: join(REPO_ROOT, "test-artifacts", "wave-1-timing.png") });
    await page.close();
  }, 90_000);

  it("prints to A4 in about a page per wave plus a summary (at most one page per wave plus two), the plan hash on every page", async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    const pdf = await page.pdf({ format: "A4", printBackground: true, preferCSSPageSize: true });
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    // Each page object of the PDF is "/Type /Page" (the tree's root is "/Type /Pages").
    const pages = pdf.toString("latin1").match(/\/Type\s*\/Page(?!s)/g)?.length ?? 0;
    expect(pages).toBeGreaterThan(plan.waves.length / 2);
    expect(pages).toBeLessThanOrEqual(plan.waves.length + 2);
    writeFileSync(join(REPO_ROOT, "test-artifacts", "cab-pack.pdf"), pdf);
    await page.close();
  }, 90_000);
});
