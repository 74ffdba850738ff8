/**
 * loadProject with estate files checked in worker threads. The worker entry exists only as
 * JavaScript in dist/ (`npm test` builds it first), so these tests load the built model; from the
 * TypeScript source the loader is serial, and one test holds it to that.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateExample } from "../../src/example/generate.js";
import type * as sourceCache from "../../src/journal/document-cache.js";
import * as sourceLoad from "../../src/model/load.js";
import type { LoadOptions, Project } from "../../src/model/load.js";
import type { EstatePoolStats } from "../../src/model/estate-pool.js";
import { REPO } from "../helpers/cli.js";
import { observedLoad } from "../helpers/observed-load.js";
import { projectDir } from "../helpers/project-dir.js";

const DIST = pathToFileURL(join(REPO, "dist/"));
type LoadModule = typeof sourceLoad;
type CacheModule = typeof sourceCache;
let built: LoadModule;
let builtCache: CacheModule;

beforeAll(async () => {
  built = (await import(new URL("model/load.js", DIST).href)) as LoadModule;
  builtCache = (await import(new URL("journal/document-cache.js", DIST).href)) as CacheModule;
});

const savedEnv = process.env.FERRY_LOAD_WORKERS;
afterEach(() => {
  if (savedEnv === undefined) delete process.env.FERRY_LOAD_WORKERS;
  else process.env.FERRY_LOAD_WORKERS = savedEnv;
});

/**
 * Twelve estate files; with `problems`, four of them broken in different ways, and one with a
 * dangling reference (schema-clean, so checked in a worker; not reported, since a file that
 * cannot be read hides unknown-reference findings).
 */
function project(problems: boolean): string {
  const files = Object.fromEntries(generateExample({ apps: 300, seed: 7, appsPerFile: 60, hostsPerFile: 60 }).map((f) => [f.path, f.text]));
  if (problems) {
    const apps = Object.keys(files).filter((p) => p.startsWith("estate/applications")).sort();
    files[apps[0]!] = files[apps[0]!]!.replace(/criticality: \w+/, "criticality: urgent");
    files[apps[1]!] = files[apps[1]!]!.replace(/organisation: ([a-z-]+)/, "organisation: nowhere-council");
    files[apps[2]!] = files[apps[2]!]!.replace(/\n {2}- /, "\n\t- ");
    files[apps[3]!] = files[apps[3]!]!.replace("kind: Estate", "kind: Estates");
    const hosts = Object.keys(files).filter((p) => p.startsWith("estate/hosts")).sort();
    files[hosts[0]!] = files[hosts[0]!]!.replace(/\n( {2}- \{ id: [a-z0-9-]+)/, "\n$1, id: twice");
  }
  return projectDir(files);
}

async function load(dir: string, opts: LoadOptions = {}): Promise<{ project: Project; workers: EstatePoolStats | undefined }> {
  let workers: EstatePoolStats | undefined;
  const project = await built.loadProject(dir, { ...opts, onWorkers: (s) => (workers = s) });
  return { project, workers };
}

const estateFiles = (dir: string) => readdirSync(join(dir, "estate")).length;

/** A worker entry written for a test. */
function workerScript(text: string): URL {
  const file = join(mkdtempSync(join(tmpdir(), "ferry-worker-")), "worker.mjs");
  writeFileSync(file, text);
  return pathToFileURL(file);
}

describe("loadProject with worker threads", () => {
  it("gives the same diagnostics (file:line:col), estate, files and refs as without workers", async () => {
    const dir = project(true);
    const serial = await load(dir, { workers: 0 });
    expect(serial.workers).toBeUndefined();
    const diagnostics = (observedLoad(serial.project) as { diagnostics: string[] }).diagnostics.join("\n");
    for (const planted of ["[wrong-type]", "a tab is used for indentation", "kind must be Estate", "duplicate key: `id`"]) expect(diagnostics).toContain(planted);
    const parallel = await load(dir, { workers: 2 });
    expect(observedLoad(parallel.project)).toEqual(observedLoad(serial.project));
    // The schema error, the tab, the wrong kind and the duplicate key are loaded on the main thread
    // (handed back, or taken by it while it waited); the dangling reference is schema-clean (the
    // cross-checks find it).
    const w = parallel.workers!;
    expect(w).toMatchObject({ workers: 2, lost: 0, failed: 0 });
    expect(w.clean).toBeGreaterThanOrEqual(1);
    expect(w.clean).toBeLessThanOrEqual(estateFiles(dir) - 4);
    expect(w.clean + w.taken + w.handedBack).toBe(estateFiles(dir));
    // And the same as the TypeScript source loads it.
    expect(observedLoad(parallel.project)).toEqual(observedLoad(await sourceLoad.loadProject(dir)));
  });

  it("writes the same cache entries as the main thread, which a later load reads", async () => {
    const a = project(false);
    const b = project(false);
    const fill = async (dir: string, workers: number) => {
      const cache = builtCache.openDocumentCache(builtCache.cacheDir(dir), "v1");
      const r = await load(dir, { workers, cache });
      await cache.flush();
      return { ...r, stats: { ...cache.stats } };
    };
    const parallel = await fill(a, 2);
    const serial = await fill(b, 0);
    expect(parallel.workers!.clean).toBeGreaterThanOrEqual(1);
    expect(parallel.workers!.clean + parallel.workers!.taken).toBe(estateFiles(a));
    const entries = (dir: string) => readdirSync(builtCache.cacheDir(dir)).sort();
    expect(entries(a)).toEqual(entries(b));
    for (const name of entries(a)) expect(readFileSync(join(builtCache.cacheDir(a), name), "utf8"), name).toBe(readFileSync(join(builtCache.cacheDir(b), name), "utf8"));
    expect(parallel.stats.written).toBe(serial.stats.written);
    // Warm: every estate file and the checks come from the cache; no worker is started.
    const warm = await fill(a, 2);
    expect(warm.workers).toBeUndefined();
    expect(warm.stats).toMatchObject({ hits: estateFiles(a) + 1, misses: 0 });
    expect(observedLoad(warm.project)).toEqual(observedLoad(serial.project));
  });

  it("loads every file on the main thread when the workers cannot start", async () => {
    const dir = project(true);
    const expected = observedLoad((await load(dir, { workers: 0 })).project);
    for (const script of [pathToFileURL(join(tmpdir(), "ferry-no-such-worker.js")), workerScript("this is not JavaScript;")]) {
      const r = await load(dir, { workers: 2, workerScript: script });
      expect(observedLoad(r.project)).toEqual(expected);
      expect(r.workers).toMatchObject({ workers: 2, clean: 0, lost: 0, failed: 2 });
      expect(r.workers!.taken + r.workers!.handedBack).toBe(estateFiles(dir));
    }
  });

  it("reads again, on the main thread, the files of workers that crash while checking them", async () => {
    const dir = project(true);
    const expected = observedLoad((await load(dir, { workers: 0 })).project);
    // Ready, then dies on the first file it is given (the main thread leaves each live worker at
    // least one file, so both get one).
    const flaky = workerScript(`
      import { parentPort } from "node:worker_threads";
      parentPort.on("message", () => process.exit(3));
      parentPort.postMessage({ ready: true });
    `);
    const r = await load(dir, { workers: 2, workerScript: flaky });
    expect(observedLoad(r.project)).toEqual(expected);
    expect(r.workers).toMatchObject({ workers: 2, clean: 0, lost: 2, failed: 2 });
    expect(r.workers!.taken + r.workers!.handedBack).toBe(estateFiles(dir));
  });

  it("starts workers only for enough text, unless FERRY_LOAD_WORKERS says how many", async () => {
    const dir = project(false);
    delete process.env.FERRY_LOAD_WORKERS;
    // Twelve small files (well under the size that pays for a worker's start-up): serial.
    expect((await load(dir)).workers).toBeUndefined();
    process.env.FERRY_LOAD_WORKERS = "3";
    const three = (await load(dir)).workers!;
    expect(three.workers).toBe(3);
    expect(three.clean).toBeGreaterThanOrEqual(1);
    expect(three.clean + three.taken).toBe(estateFiles(dir));
    process.env.FERRY_LOAD_WORKERS = "0";
    expect((await load(dir)).workers).toBeUndefined();
    // The option wins over the variable.
    const one = (await load(dir, { workers: 1 })).workers!;
    expect(one.workers).toBe(1);
    expect(one.clean + one.taken).toBe(estateFiles(dir));
  });

  it("settles every file however the workers' answers and the main thread's own checks interleave", async () => {
    // Slow workers (20 ms a file, then the file is handed back): the main thread takes files from
    // the end of the queue while it waits, and reaches files the workers have already answered
    // while many still wait. A file left unsettled would hang the load (and time out here).
    const files = Object.fromEntries(generateExample({ apps: 3000, seed: 3, appsPerFile: 100, hostsPerFile: 100 }).map((f) => [f.path, f.text]));
    const dir = projectDir(files);
    const slow = workerScript(`
      import { parentPort } from "node:worker_threads";
      parentPort.on("message", ({ id, bytes }) => setTimeout(() => parentPort.postMessage({ id, bytes }, [bytes.buffer]), 20));
      parentPort.postMessage({ ready: true });
    `);
    const expected = observedLoad((await load(dir, { workers: 0 })).project);
    for (const workers of [1, 2, 3]) {
      const r = await load(dir, { workers, workerScript: slow });
      expect(observedLoad(r.project)).toEqual(expected);
      expect(r.workers).toMatchObject({ workers, clean: 0, lost: 0, failed: 0 });
      expect(r.workers!.taken).toBeGreaterThan(0);
      expect(r.workers!.taken + r.workers!.handedBack).toBe(estateFiles(dir));
    }
  }, 60_000);

  it("checks a file over 8 MiB on the main thread, never in a worker's capped heap", async () => {
    const files = Object.fromEntries(generateExample({ apps: 300, seed: 7, appsPerFile: 60, hostsPerFile: 60 }).map((f) => [f.path, f.text]));
    // A long comment makes the file big without making it slow to parse.
    files["estate/sites.yaml"] += `# ${"x".repeat(9 * 1024 * 1024)}\n`;
    const dir = projectDir(files);
    const expected = observedLoad((await load(dir, { workers: 0 })).project);
    const r = await load(dir, { workers: 2 });
    expect(observedLoad(r.project)).toEqual(expected);
    expect(r.workers).toMatchObject({ handedBack: 0, failed: 0 });
    expect(r.workers!.clean + r.workers!.taken).toBe(estateFiles(dir) - 1);
  });

  it("is serial when run from the TypeScript source, where no worker entry is built", async () => {
    const dir = project(false);
    let started = false;
    await sourceLoad.loadProject(dir, { workers: 2, onWorkers: () => (started = true) });
    expect(started).toBe(false);
  });

  it("leaves no thread behind: a process that loads with workers exits by itself", () => {
    const dir = project(false);
    const script = `
      const { loadProject } = await import(${JSON.stringify(new URL("model/load.js", DIST).href)});
      let stats;
      const p = await loadProject(${JSON.stringify(dir)}, { workers: 2, onWorkers: (s) => (stats = s) });
      console.log(JSON.stringify({ apps: p.estate.applications.length, stats }));
    `;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 60_000 });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ apps: 300, stats: { workers: 2, failed: 0 } });
  });
});
