import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "../../src/model/plan.js";
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
      await expect(section.locator("h2").textContent()).resolves.toBe(`Wave ${w.number}: ${w.date}`);
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
    await expect(page.locator("section#unplaced").isVisible()).resolves.toBe(true);
    await expect(page.locator("section#warnings").isVisible()).resolves.toBe(true);

    expect(requests.filter((u) => !u.startsWith("file:"))).toEqual([]);
    expect(problems).toEqual([]);

    const artefacts = join(REPO_ROOT, "test-artifacts");
    mkdirSync(artefacts, { recursive: true });
    await page.screenshot({ path: join(artefacts, "cab-pack.png"), fullPage: true });
    expect(existsSync(join(artefacts, "cab-pack.png"))).toBe(true);
    // Printing must work too: the board prints the pack.
    const pdf = await page.pdf({ format: "A4", landscape: true, printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    await page.close();
  }, 90_000);
});
