import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { UsageError, InputError } from "../model/diagnostics.js";
import { loadProjectForCommand } from "./common/load-project.js";
import { checkInputsCurrent, verifyPlanHash } from "../planner/verify-plan.js";
import { DETAIL_LIMIT, renderPack, type PackApproval, type ReportInputs } from "../report/index.js";
import { readPlanFile } from "../model/plan-file.js";
import type { Plan } from "../model/plan.js";
import type { LoadedRunbook, Project } from "../model/load.js";
import { Runbook } from "../model/runbook.js";
import { parseYaml } from "../model/yaml-source.js";
import { readApproval } from "../model/approval-file.js";
import { planHashForms } from "../model/plan-hash.js";
import { writeFileAtomic } from "../journal/write-file-atomic.js";
import { statusLine } from "./common/status-line.js";

/** Options of `ferry report`. */
export interface ReportRunOptions {
  plan: string;
  /** Output folder. @default `<project>/reports` */
  out?: string;
  /** Project directory. @default the project the plan file sits in (`<project>/plans/F`), else "." */
  dir?: string;
  /** Render from the plan alone: no project is read (no dependencies, rollbacks or approvals). */
  planOnly?: boolean;
  /** Only these waves, in full detail whatever the plan's size. */
  wave?: number[];
  /** Every application in words whatever the plan's size (slow above DETAIL_LIMIT). */
  detail?: boolean;
  /** Summarise each wave whatever the plan's size. */
  summary?: boolean;
  json?: boolean;
}

const isDir = (p: string) => stat(p).then((s) => s.isDirectory(), () => false);
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

async function yamlNames(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && /\.ya?ml$/.test(e.name)).map((e) => e.name).sort();
}

/**
 * The project a plan was made from: `--dir` when given, else the folder above the plan's own
 * folder when that holds estate/ (`<project>/plans/q1.json`), else the working folder when it
 * holds estate/. Undefined when there is none.
 */
async function findProject(planFile: string, dir: string | undefined): Promise<string | undefined> {
  if (dir !== undefined) return dir;
  const beside = dirname(dirname(resolve(planFile)));
  if (await isDir(join(beside, "estate"))) {
    const rel = relative(process.cwd(), beside);
    return rel === "" ? "." : rel.startsWith("..") ? beside : rel;
  }
  return (await isDir("estate")) ? "." : undefined;
}

/**
 * The project's input digests without parsing the estate: every estate and stack file's bytes,
 * and the runbooks (small) parsed for their names and rollbacks. What `checkInputsCurrent`
 * compares, at a fraction of a full load (a 100k-application estate takes 15–25 s to check).
 */
async function quickInputs(dir: string): Promise<Pick<Project, "estate" | "runbooks" | "stacks" | "files">> {
  const files: { path: string; digest: string }[] = [];
  const stacks: Project["stacks"] = new Map();
  const runbooks = new Map<string, LoadedRunbook>();
  for (const name of await yamlNames(join(dir, "estate"))) files.push({ path: `estate/${name}`, digest: sha256(await readFile(join(dir, "estate", name), "utf8")) });
  for (const name of await yamlNames(join(dir, "runbooks"))) {
    const file = `runbooks/${name}`;
    const text = await readFile(join(dir, file), "utf8");
    const digest = sha256(text);
    files.push({ path: file, digest });
    const parsed = parseYaml(file, text);
    const r = Runbook.safeParse(parsed.data);
    if (r.success && !runbooks.has(r.data.name)) runbooks.set(r.data.name, { runbook: r.data, file, digest });
  }
  for (const name of await yamlNames(join(dir, "stacks"))) {
    const m = /^Pulumi\.([A-Za-z0-9_.-]+)\.ya?ml$/.exec(name);
    const digest = sha256(await readFile(join(dir, "stacks", name), "utf8"));
    files.push({ path: `stacks/${name}`, digest });
    if (m) stacks.set(m[1]!, { name: m[1]!, digest } as never);
  }
  return { estate: { organisations: [], sites: [], networks: [], hosts: [], applications: [], datasets: [] }, runbooks, stacks, files };
}

/** Whether nothing the plan records matches the project: then it is another project, not drift. */
function nothingMatches(plan: Plan, drifted: { input: string }[]): boolean {
  if (plan.estateDigest === undefined || plan.stacks === undefined || plan.runbooks === undefined) return false;
  const inputs = 1 + Object.keys(plan.stacks).length + Object.keys(plan.runbooks).length;
  const changed = drifted.filter((d) => d.input !== "inputs").length;
  return drifted.some((d) => d.input === "estate") && changed >= inputs;
}

/** Approvals on file for each wave of the plan, read as the approval loader reads them. */
export async function readApprovals(dir: string, plan: Plan, problems: string[]): Promise<Map<number, PackApproval[]>> {
  const hex = planHashForms(plan.hash).hex;
  const byWave = new Map<number, PackApproval[]>();
  const names = await readdir(join(dir, "approvals")).catch(() => [] as string[]);
  for (const name of names.sort()) {
    const m = new RegExp(`^${hex}-wave-(\\d+)(?:-([A-Za-z0-9][A-Za-z0-9_-]*))?\\.yaml$`).exec(name);
    if (!m) continue;
    const file = join(dir, "approvals", name);
    try {
      const a = await readApproval(file);
      if (!a) continue;
      const wave = Number(m[1]);
      if (a.plan !== plan.hash || a.wave !== wave) {
        problems.push(`approvals/${name} names plan ${a.plan} wave ${a.wave}, not the file's own: not shown`);
        continue;
      }
      const extra = a as typeof a & { organisation?: string; signature?: { key?: string } };
      const organisation = extra.organisation ?? m[2];
      const list = byWave.get(wave) ?? [];
      list.push({ file: `approvals/${name}`, ...(organisation ? { organisation } : {}), approvedBy: a.approvedBy, changeRef: a.changeRef, approvedAt: a.approvedAt, ...(extra.signature?.key ? { key: extra.signature.key } : {}) });
      byWave.set(wave, list);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      problems.push(`approvals/${name} does not read as an approval: not shown`);
    }
  }
  return byWave;
}

/**
 * `ferry report`: render the change-board pack of a plan. A tampered plan is refused (a board
 * must see what was planned). The project read is the one the plan was made from: when none of
 * its inputs match the plan, it is another project and the report refuses rather than drawing a
 * drift banner over the wrong estate; inputs that changed since planning are shown as a banner,
 * since the board is exactly who should see that before approving.
 */
export async function reportCommand(opts: ReportRunOptions): Promise<number> {
  const loaded = await readPlanFile(opts.plan);
  const hash = verifyPlanHash(loaded.raw);
  if (!hash.ok) {
    throw new UsageError(`${opts.plan} was modified after it was planned (content hashes to ${hash.computed}, it records ${hash.recorded || "no hash"})`, "plan-tampered", "Re-run `ferry plan`; a change board must review exactly what was planned.");
  }
  const plan = loaded.plan;
  for (const n of opts.wave ?? []) {
    if (!plan.waves.some((w) => w.number === n)) throw new UsageError(`wave ${n} is not in ${opts.plan} (it has waves 1 to ${plan.waves.length})`, "invalid-value");
  }
  const planned = plan.waves.reduce((n, w) => n + w.applications.length, 0);
  const mode: "detail" | "summary" = opts.wave?.length || opts.detail ? "detail" : opts.summary || planned > DETAIL_LIMIT ? "summary" : "detail";
  const inputs: ReportInputs = { plan, mode, ...(opts.wave?.length ? { only: opts.wave } : {}) };
  const line = statusLine();
  try {
    const dir = opts.planOnly ? undefined : await findProject(opts.plan, opts.dir);
    if (!opts.planOnly && dir === undefined) {
      throw new UsageError(
        `cannot tell which project ${opts.plan} was made from: there is no estate/ beside its folder or in this one`,
        "missing-folder",
        "Pass --dir with the project the plan was made from, or --plan-only to render from the plan alone (no dependencies, rollbacks or approvals).",
      );
    }
    const notes: string[] = [];
    if (dir !== undefined) {
      if (!(await isDir(join(dir, "estate")))) throw new UsageError(`no estate/ in ${dir}: is this the project ${opts.plan} was made from?`, "missing-folder", "Pass --dir with the project the plan was made from, or --plan-only.");
      line.update(`checking ${dir} is the project the plan was made from…`, true);
      const quick = await quickInputs(dir);
      const drifted = checkInputsCurrent(plan, quick).drifted;
      if (nothingMatches(plan, drifted)) {
        throw new UsageError(
          `${dir === "." ? "this folder" : dir} is not the project ${opts.plan} was made from: none of its estate, stacks or runbooks match the digests the plan records`,
          "plan-drift",
          "Pass --dir with the project the plan was made from (or --plan-only to render from the plan alone); if this is that project and everything changed, re-run `ferry plan`.",
        );
      }
      inputs.drift = drifted.map((d) => d.message);
      inputs.approvals = await readApprovals(dir, plan, notes);
      // Names, owners, criticality and users are the estate's (the plan pins it by digest), so it
      // is read whatever the mode: through the document cache, which `ferry plan` filled.
      const project = await loadProjectForCommand(dir, line);
      const known = new Set(project.estate.applications.map((a) => a.id));
      const ids = plan.waves.flatMap((w) => w.applications.map((a) => a.id));
      const found = ids.filter((id) => known.has(id)).length;
      if (ids.length > 0 && found * 2 < ids.length) {
        throw new UsageError(
          `${dir === "." ? "this folder" : dir} is not the project ${opts.plan} was made from: only ${found} of the plan's ${ids.length} applications are in its estate`,
          "plan-drift",
          "Pass --dir with the project the plan was made from (or --plan-only to render from the plan alone).",
        );
      }
      if (!project.diagnostics.some((d) => d.severity === "error")) {
        inputs.estate = project.estate;
        inputs.runbooks = project.runbooks;
      } else {
        if (mode === "summary") inputs.runbooks = quick.runbooks;
        inputs.drift.push(`the project in ${dir} does not validate now (run \`ferry validate\`): names, owners, criticality, dependencies and rollbacks are not shown`);
      }
      if (mode === "summary") {
        notes.unshift(`This plan has ${planned.toLocaleString("en-GB")} applications, more than the ${DETAIL_LIMIT.toLocaleString("en-GB")} a pack describes one by one: each wave is summarised (per-application go/no-go, rollback and dependencies in words come with \`ferry report --wave N\`). Every application is in waves.csv.`);
      }
    } else notes.push("Made from the plan alone (--plan-only): names, owners, criticality, dependencies, go/no-go criteria, rollback plans and approvals are not shown.");
    if (notes.length) inputs.note = notes.join(" ");
    line.update(`drawing the change-board pack (${opts.wave?.length ? `wave ${opts.wave.join(", ")}` : `${plan.waves.length} waves`})…`, true);
    const out = opts.out ?? join(dir ?? ".", "reports");
    const files = renderPack(inputs);
    const written: string[] = [];
    const suffix = opts.wave?.length ? `-wave-${opts.wave.join("-")}` : "";
    for (const [name, text] of Object.entries(files)) {
      const path = join(out, suffix ? name.replace(/(\.[a-z]+)$/, `${suffix}$1`) : name);
      await writeFileAtomic(path, text);
      written.push(path);
    }
    line.done();
    if (opts.json) process.stdout.write(JSON.stringify({ ok: true, files: written }) + "\n");
    else process.stdout.write(`wrote ${written.join(", ")}\nopen ${written.find((f) => f.endsWith(".html"))} in a browser, or print it for the board\n`);
    return 0;
  } finally {
    line.done();
  }
}
