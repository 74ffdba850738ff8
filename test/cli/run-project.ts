/**
 * Small project directories for the `ferry run` end-to-end tests: one host on 127.0.0.1, the
 * given applications (each with its own runbook and params), a calendar that puts them all in
 * wave 1, and change control that requires a change-board approval.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { FERRY, type CliResult } from "../helpers/cli.js";
import { projectDir } from "../helpers/project-dir.js";

export interface TestApp {
  id: string;
  runbook: string;
  params?: Record<string, string>;
}

const yamlString = (s: string) => JSON.stringify(s);

/**
 * Write the project: estate (approval required), the runbooks given as YAML text. Wave 1 is
 * today (UTC) with a window of the whole day, so runs are inside their window; pass
 * `firstWave`/`window` to test the window itself.
 */
export function runProject(
  apps: TestApp[],
  runbooks: Record<string, string>,
  opts: { requireApproval?: boolean; firstWave?: string; window?: { start: string; end: string; timezone: string } } = {},
): string {
  const window = opts.window ?? { start: "00:00", end: "00:00", timezone: "UTC" };
  const files: Record<string, string> = {
    "estate/sites.yaml": `apiVersion: ferry/v1
kind: Estate
organisations:
  - { id: nbc, name: Northampton Borough Council }
sites:
  - { id: guildhall, name: The Guildhall, kind: office, organisation: nbc }
  - { id: azure-uksouth, name: Azure UK South, kind: cloud, region: uksouth }
networks:
  - { id: nbc-servers, site: guildhall, prefix: 127.0.0.0/8, purpose: servers }
calendar:
  firstWave: ${opts.firstWave ?? new Date().toISOString().slice(0, 10)}
  cadenceDays: 14
  window: { start: "${window.start}", end: "${window.end}", timezone: ${window.timezone} }
  capacity: { applications: 50 }
changeControl: { requireApproval: ${opts.requireApproval ?? true} }
`,
    "estate/apps.yaml": `apiVersion: ferry/v1
kind: Estate
hosts:
  - { id: app01, site: guildhall, address: 127.0.0.1, os: linux }
applications:
${apps
  .map(
    (a) => `  - id: ${a.id}
    name: ${a.id}
    owner: IT
    criticality: low
    users: 10
    delivery: server
    disposition: rehost
    target: azure-uksouth
    hosts: [app01]
    runbook: ${a.runbook}
${a.params ? `    params:\n${Object.entries(a.params).map(([k, v]) => `      ${k}: ${yamlString(v)}`).join("\n")}\n` : ""}`,
  )
  .join("")}`,
  };
  for (const [name, text] of Object.entries(runbooks)) files[`runbooks/${name}.yaml`] = `apiVersion: ferry/v1\nkind: Runbook\nname: ${name}\n${text}`;
  return projectDir(files);
}

/** `ferry plan` then (unless told not to) `ferry approve` wave 1; returns the plan file. */
export async function planAndApprove(dir: string, approve = true): Promise<string> {
  const plan = join(dir, "plans", "p.json");
  const p = await ferryIn(dir, ["plan", "--out", plan]);
  if (p.code !== 0) throw new Error(`ferry plan failed (${p.code}): ${p.stderr}${p.stdout}`);
  if (approve) {
    const a = await ferryIn(dir, ["approve", "--plan", plan, "--wave", "1", "--by", "Change Board", "--ref", "CHG0001"]);
    if (a.code !== 0) throw new Error(`ferry approve failed (${a.code}): ${a.stderr}${a.stdout}`);
  }
  return plan;
}

/**
 * Run ferry in the project directory (state in `<dir>/.ferry`), env merged. Asynchronous on
 * purpose: a synchronous spawn would block this process, and with it the HTTP server the
 * runbooks probe.
 */
export function ferryIn(dir: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return startFerry(dir, args, env).done;
}

/** The run id printed on stderr by `ferry run` (`run <id>: wave …`). */
export function runIdOf(r: CliResult): string {
  const m = /run (\d{8}-\d{6}-[0-9a-f]{6})/.exec(r.stderr + r.stdout);
  if (!m) throw new Error(`no run id in output:\n${r.stderr}\n${r.stdout}`);
  return m[1]!;
}

/** Lines of a ledger file the runbooks append to. */
export function ledger(file: string): string[] {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

/** Start `ferry args…` in the background, for signal tests. */
export function startFerry(dir: string, args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<CliResult>; waitFor(text: RegExp): Promise<CliResult> } {
  const child = spawn(process.execPath, [FERRY, ...args, "--dir", dir], { cwd: dir, env: { ...process.env, NO_COLOR: "1", FERRY_OPERATOR: "operator", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const out = { stdout: "", stderr: "" };
  const waiters: { text: RegExp; resolve: (r: CliResult) => void }[] = [];
  const check = () => {
    for (const w of waiters.splice(0)) {
      if (w.text.test(out.stdout + out.stderr)) w.resolve({ code: -1, ...out });
      else waiters.push(w);
    }
  };
  child.stdout!.on("data", (d: Buffer) => ((out.stdout += d.toString()), check()));
  child.stderr!.on("data", (d: Buffer) => ((out.stderr += d.toString()), check()));
  const done = new Promise<CliResult>((resolve) => child.on("close", (code, signal) => resolve({ code: code ?? (signal === "SIGKILL" ? 137 : -1), ...out })));
  return {
    child,
    done,
    waitFor(text) {
      return new Promise((resolve, reject) => {
        waiters.push({ text, resolve });
        check();
        void done.then((r) => reject(new Error(`ferry exited (${r.code}) before printing ${text}:\n${r.stderr}\n${r.stdout}`)));
      });
    },
  };
}

/** Resolve once `file` has a line matching `line` (the step reached its side effect). */
export async function untilLedger(file: string, line: string, withinMs = 20_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  // A step's marker is written by another process; there is no event to await but the file.
  while (!ledger(file).includes(line)) {
    if (Date.now() > deadline) throw new Error(`${file} never got ${line}: ${JSON.stringify(ledger(file))}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
