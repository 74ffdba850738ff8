import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { cacheEnabled, validateCommand } from "../../src/cli/validate.js";
import { generateExample } from "../../src/example/generate.js";
import { cacheDir, openDocumentCache } from "../../src/journal/document-cache.js";
import { isJsonExact } from "../../src/model/cache.js";
import { formatDiagnostic } from "../../src/model/diagnostics.js";
import { loadProject } from "../../src/model/load.js";
import { checkProject } from "../../src/model/verdict.js";
import { refsFromJson, refsToJson, resolveRefs } from "../../src/model/refs.js";
import { observedLoad } from "../helpers/observed-load.js";
import { projectDir } from "../helpers/project-dir.js";

/** A generated project of several estate files, with problems of every kind planted in it. */
function exampleProject(): string {
  const files = Object.fromEntries(generateExample({ apps: 300, seed: 7, appsPerFile: 60, hostsPerFile: 60 }).map((f) => [f.path, f.text]));
  const apps = Object.keys(files).filter((p) => p.startsWith("estate/applications")).sort();
  // A schema error (never cached) and a dangling reference (a clean file whose error comes from the cross-checks).
  files[apps[0]!] = files[apps[0]!]!.replace(/criticality: \w+/, "criticality: urgent");
  files[apps[1]!] = files[apps[1]!]!.replace(/organisation: ([a-z-]+)/, "organisation: nowhere-council");
  return projectDir(files);
}

async function load(dir: string, version = "v1") {
  const cache = openDocumentCache(cacheDir(dir), version);
  const project = await loadProject(dir, { cache });
  await cache.flush();
  return { project, stats: { ...cache.stats } };
}

function entries(dir: string): string[] {
  return existsSync(cacheDir(dir)) ? readdirSync(cacheDir(dir)).sort() : [];
}

describe("the validation cache (.ferry/cache) never changes an answer", () => {
  it("gives the same diagnostics (file:line:col), estate, runbooks and stacks cold, warm and without it", async () => {
    const dir = exampleProject();
    const none = observedLoad(await loadProject(dir));
    expect((none as { diagnostics: string[] }).diagnostics.some((d) => /\[wrong-type\]/.test(d))).toBe(true);
    expect((none as { diagnostics: string[] }).diagnostics.some((d) => /unknown organisation `nowhere-council`/.test(d))).toBe(true);
    const cold = await load(dir);
    const warm = await load(dir);
    expect(observedLoad(cold.project)).toEqual(none);
    expect(observedLoad(warm.project)).toEqual(none);
    expect(cold.stats.hits).toBe(0);
    // Every estate file but the one with a schema error, plus the project-wide checks.
    const estateFiles = cold.project.files.filter((f) => f.path.startsWith("estate/")).length;
    expect(warm.stats).toMatchObject({ hits: estateFiles, misses: 1, written: 0 });
    expect(entries(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("re-parses only an edited file, and the edit's new findings are reported", async () => {
    const dir = exampleProject();
    await load(dir);
    const hosts = readdirSync(join(dir, "estate")).filter((f) => f.startsWith("hosts")).sort()[0]!;
    const text = readFileSync(join(dir, "estate", hosts), "utf8");
    writeFileSync(join(dir, "estate", hosts), text.replace(/site: ([a-z0-9-]+)/, "site: atlantis"));
    const edited = await load(dir);
    expect(observedLoad(edited.project)).toEqual(observedLoad(await loadProject(dir)));
    expect(edited.project.diagnostics.map(formatDiagnostic).join("\n")).toContain("unknown site `atlantis`");
    const estateFiles = edited.project.files.filter((f) => f.path.startsWith("estate/")).length;
    // Misses: the edited file, the file with a schema error, the project-wide checks.
    expect(edited.stats).toMatchObject({ hits: estateFiles - 2, misses: 3 });
    // The old entry of the edited file is gone: the folder stays the size of the project.
    expect(entries(dir).filter((n) => n.startsWith("estate-")).length).toBe(estateFiles - 1);
  });

  it("ignores entries written by another ferry version", async () => {
    const dir = exampleProject();
    await load(dir, "v1");
    const other = await load(dir, "v2");
    expect(other.stats.hits).toBe(0);
    expect(observedLoad(other.project)).toEqual(observedLoad(await loadProject(dir)));
  });

  it("treats a corrupt, truncated, tampered or deleted entry as a miss", async () => {
    const dir = exampleProject();
    const expected = observedLoad(await loadProject(dir));
    await load(dir);
    const names = entries(dir);
    const [a, b, c, d] = names.filter((n) => n.startsWith("estate-"));
    const path = (n: string) => join(cacheDir(dir), n);
    writeFileSync(path(a!), "not json at all");
    writeFileSync(path(b!), readFileSync(path(b!), "utf8").slice(0, -40));
    // Same length, one value changed: the payload no longer hashes to its header.
    writeFileSync(path(c!), readFileSync(path(c!), "utf8").replace(/"site":"([a-z])/, (_m, ch: string) => `"site":"${ch === "x" ? "y" : "x"}`));
    rmSync(path(d!));
    const checks = names.find((n) => n.startsWith("checks-"))!;
    writeFileSync(path(checks), readFileSync(path(checks), "utf8").replace(/"line":(\d)/, (_m, n: string) => `"line":${(Number(n) + 1) % 10}`));
    const after = await load(dir);
    expect(observedLoad(after.project)).toEqual(expected);
    expect(after.stats.misses).toBe(6);
    // And the damaged entries were written again, whole.
    expect((await load(dir)).stats.misses).toBe(1);
    rmSync(cacheDir(dir), { recursive: true });
    expect(observedLoad((await load(dir)).project)).toEqual(expected);
  });

  it("validates as usual when the cache cannot be written, and writes nothing", async () => {
    const dir = exampleProject();
    // .ferry is a file: no folder can be made under it (whoever runs the test, root included).
    writeFileSync(join(dir, ".ferry"), "");
    const r = await load(dir);
    expect(r.stats.writeError).toBeDefined();
    expect(observedLoad(r.project)).toEqual(observedLoad(await loadProject(dir)));
    // A read-only folder (for a user other than root): the same.
    rmSync(join(dir, ".ferry"));
    const ro = join(dir, ".ferry");
    (await import("node:fs")).mkdirSync(ro);
    chmodSync(ro, 0o500);
    const r2 = await load(dir);
    chmodSync(ro, 0o700);
    expect(observedLoad(r2.project)).toEqual(observedLoad(await loadProject(dir)));
  });

  it("caches only what JSON carries exactly (no .inf, -0, undefined, Date), and a file with errors not at all", async () => {
    expect(isJsonExact({ a: [1, "x", null, true, { b: 2.5 }] })).toBe(true);
    // eslint-disable-next-line no-sparse-arrays
    for (const bad of [Infinity, NaN, -0, undefined, new Date(0), [1, , 3], { a: undefined }, { a: 1n }, new Map()]) expect(isJsonExact({ v: bad })).toBe(false);
    const files = Object.fromEntries(generateExample({ apps: 20, seed: 3 }).map((f) => [f.path, f.text]));
    const appsFile = Object.keys(files).find((p) => p.startsWith("estate/applications"))!;
    files[appsFile] = files[appsFile]!.replace("params: { ", "params: { ratio: .inf, ");
    const dir = projectDir(files);
    const expected = observedLoad(await loadProject(dir));
    expect((expected as { diagnostics: string[] }).diagnostics).toContain(`${appsFile}:6:249: applications[0].params.ratio: expected string, got Infinity [wrong-type]`);
    const cold = await load(dir);
    const warm = await load(dir);
    expect(observedLoad(cold.project)).toEqual(expected);
    expect(observedLoad(warm.project)).toEqual(expected);
    // The file with the error is read afresh every time; the project-wide checks come from the cache.
    expect(warm.stats).toMatchObject({ misses: 1, written: 0 });
  });
});

describe("validate's recorded verdict", () => {
  async function verdictOf(dir: string) {
    const cache = openDocumentCache(cacheDir(dir), "v1");
    const verdict = await checkProject(dir, { cache });
    await cache.flush();
    return { verdict, stats: { ...cache.stats } };
  }

  it("answers an unchanged project without loading its estate, the same as a full load, and keeps every entry", async () => {
    const dir = exampleProject();
    const fresh = await loadProject(dir);
    const cold = await verdictOf(dir);
    expect(cold.verdict.diagnostics.map(formatDiagnostic)).toEqual(fresh.diagnostics.map(formatDiagnostic));
    expect(cold.verdict.counts.applications).toBe(fresh.estate.applications.length);
    expect(cold.verdict.stacks).toEqual([...fresh.stacks.keys()]);
    const kept = entries(dir);
    expect(kept.filter((n) => n.startsWith("verdict-"))).toHaveLength(1);
    const warm = await verdictOf(dir);
    expect(warm.verdict).toEqual(cold.verdict);
    // One read, the verdict: no estate entry was parsed, and none was pruned.
    expect(warm.stats).toMatchObject({ hits: 1, misses: 0, written: 0 });
    expect(entries(dir)).toEqual(kept);
    // A command that loads the project (ferry plan) keeps the verdict of the same files.
    await load(dir);
    expect(entries(dir)).toEqual(kept);
  });

  it("is not used once any file changes: the edit's findings are reported", async () => {
    const dir = exampleProject();
    await verdictOf(dir);
    const hosts = readdirSync(join(dir, "estate")).filter((f) => f.startsWith("hosts")).sort()[0]!;
    const text = readFileSync(join(dir, "estate", hosts), "utf8");
    writeFileSync(join(dir, "estate", hosts), text.replace(/site: ([a-z0-9-]+)/, "site: atlantis"));
    const edited = await verdictOf(dir);
    expect(edited.verdict.diagnostics.map(formatDiagnostic)).toEqual((await loadProject(dir)).diagnostics.map(formatDiagnostic));
    expect(edited.verdict.diagnostics.map(formatDiagnostic).join("\n")).toContain("unknown site `atlantis`");
    expect(edited.stats.misses).toBeGreaterThanOrEqual(3);
    // A new runbook too (the verdict covers every file and folder, not only the estate).
    mkdirSync(join(dir, "runbooks"), { recursive: true });
    writeFileSync(join(dir, "runbooks", "broken.yaml"), "apiVersion: ferry/v1\nkind: Runbook\nbogus: 1\n");
    const again = await verdictOf(dir);
    expect(again.verdict.diagnostics.map(formatDiagnostic)).toEqual((await loadProject(dir)).diagnostics.map(formatDiagnostic));
    expect(again.verdict.diagnostics.some((d) => d.file === "runbooks/broken.yaml")).toBe(true);
  });
});

describe("resolved references", () => {
  it("point every link and host at the entity with that id, -1 where none has it, and are refused when they do not fit the estate", async () => {
    const dir = exampleProject();
    const { project } = await load(dir);
    const { estate } = project;
    const refs = project.refs!;
    expect(refsToJson(refs)).toEqual(refsToJson(resolveRefs(estate)));
    estate.applications.forEach((a, i) => {
      a.dependsOn.forEach((d, j) => {
        const p = refs.depApp[refs.depStart[i]! + j]!;
        if (p >= 0) expect(estate.applications[p]!.id).toBe(d.app);
        else expect(estate.applications.some((x) => x.id === d.app)).toBe(false);
      });
      a.hosts.forEach((h, j) => {
        const p = refs.appHost[refs.hostStart[i]! + j]!;
        if (p >= 0) expect(estate.hosts[p]!.id).toBe(h);
        else expect(estate.hosts.some((x) => x.id === h)).toBe(false);
      });
    });
    const json = refsToJson(refs);
    // The planner follows them; planning resolves them itself when none are given, to the same plan.
    const { planWaves } = await import("../../src/planner/index.js");
    const { refs: _refs, ...unresolved } = project;
    expect(planWaves(project).hash).toBe(planWaves(unresolved).hash);
    expect(refsFromJson(json, estate)).toBeDefined();
    expect(refsFromJson({ ...json, depApp: json.depApp.slice(1) }, estate)).toBeUndefined();
    expect(refsFromJson({ ...json, appHost: json.appHost.map(() => estate.hosts.length) }, estate)).toBeUndefined();
    expect(refsFromJson({ ...json, depStart: json.depStart.map((x, i) => (i === 1 ? x + 1 : x)) }, estate)).toBeUndefined();
  });
});

describe("file digests", () => {
  it("are the sha256 of the text as read, for a BOM and for bytes that are not UTF-8 too", async () => {
    const { createHash } = await import("node:crypto");
    const dir = projectDir(Object.fromEntries(generateExample({ apps: 5, seed: 2 }).map((f) => [f.path, f.text])));
    const [a, b] = readdirSync(join(dir, "estate")).sort();
    writeFileSync(join(dir, "estate", a!), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(join(dir, "estate", a!))]));
    writeFileSync(join(dir, "estate", b!), Buffer.concat([readFileSync(join(dir, "estate", b!)), Buffer.from("# caf\xe9 \xff\n", "latin1")]));
    const project = await loadProject(dir);
    for (const f of project.files) expect(f.digest, f.path).toBe(createHash("sha256").update(readFileSync(join(dir, f.path), "utf8")).digest("hex"));
  });
});

describe("ferry validate and the cache", () => {
  async function validate(dir: string, opts: { cache?: boolean } = {}): Promise<{ code: number; out: string }> {
    let out = "";
    const write = (chunk: string | Uint8Array) => ((out += String(chunk)), true);
    const o = vi.spyOn(process.stdout, "write").mockImplementation(write);
    const e = vi.spyOn(process.stderr, "write").mockImplementation(write);
    try {
      return { code: await validateCommand({ dir, ...opts }), out };
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  }

  it("caches in .ferry/cache by default, prints the same warm, and --no-cache or FERRY_CACHE=off leave no cache", async () => {
    const dir = exampleProject();
    const plain = await validate(dir, { cache: false });
    expect(existsSync(cacheDir(dir))).toBe(false);
    expect(plain.code).toBe(2);
    const cold = await validate(dir);
    expect(entries(dir).length).toBeGreaterThan(1);
    const warm = await validate(dir);
    expect(cold).toEqual(plain);
    expect(warm).toEqual(plain);
    expect(cacheEnabled({}, {})).toBe(true);
    expect(cacheEnabled({ cache: false }, {})).toBe(false);
    for (const off of ["off", "0", "false", "no", "OFF"]) expect(cacheEnabled({}, { FERRY_CACHE: off })).toBe(false);
    expect(cacheEnabled({}, { FERRY_CACHE: "on" })).toBe(true);
  });
});
