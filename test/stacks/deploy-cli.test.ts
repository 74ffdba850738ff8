/** `ferry deploy` guards: a missing pulumi CLI, no --yes, unknown stacks; all before touching the repo. */
import { execFile } from "node:child_process";
import { chmod, copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const MAIN = join(ROOT, "src", "cli", "main.ts");
let work: string;
let project: string;
let emptyPath: string;
let fakePath: string;
let noSubs: string;
/** The smallest estate a project needs to be loaded. */
const ESTATE = "apiVersion: ferry/v1\nkind: Estate\nsites:\n  - { id: azure-uksouth, name: Azure UK South, kind: cloud, region: uksouth }\n";

function ferry(args: string[], path: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, ["--import", "tsx", MAIN, ...args], { cwd: ROOT, env: { ...process.env, PATH: path }, timeout: 60_000 }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function listing(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ferry-deploy-"));
  project = join(work, "project");
  await mkdir(join(project, "stacks"), { recursive: true });
  await mkdir(join(project, "estate"), { recursive: true });
  await writeFile(join(project, "estate", "estate.yaml"), ESTATE);
  await copyFile(join(ROOT, "Pulumi.yaml"), join(project, "Pulumi.yaml"));
  await writeFile(
    join(project, "stacks", "Pulumi.dev.yaml"),
    "config:\n  ferry:landingZone: { prefix: t, tags: { owner: o, costCentre: c, dataClassification: d }, subscriptions: " +
      "{ connectivity: { id: 0b5e2f4a-1c3d-4e5f-8a9b-0c1d2e3f4a51 }, management: { id: 0b5e2f4a-1c3d-4e5f-8a9b-0c1d2e3f4a52 }, corp: { id: 0b5e2f4a-1c3d-4e5f-8a9b-0c1d2e3f4a53 } } }\n" +
      "  ferry:network: { supernet: 10.112.0.0/16, hub: { prefix: 10.112.0.0/24, firewallSubnet: 10.112.0.0/26, bastionSubnet: 10.112.0.64/26, gatewaySubnet: 10.112.0.128/27 } }\n",
  );
  emptyPath = join(work, "empty-bin");
  await mkdir(emptyPath);
  // A stand-in pulumi that only answers `pulumi version`, for the checks after the CLI probe.
  fakePath = join(work, "fake-bin");
  await mkdir(fakePath);
  await writeFile(join(fakePath, "pulumi"), "#!/bin/sh\necho v3.200.0\n");
  // A project whose stack names no subscriptions: valid for address planning, refused by deploy.
  noSubs = join(work, "no-subscriptions");
  await mkdir(join(noSubs, "stacks"), { recursive: true });
  await mkdir(join(noSubs, "estate"), { recursive: true });
  await writeFile(join(noSubs, "estate", "estate.yaml"), ESTATE);
  await copyFile(join(ROOT, "Pulumi.yaml"), join(noSubs, "Pulumi.yaml"));
  await writeFile(
    join(noSubs, "stacks", "Pulumi.dev.yaml"),
    "config:\n  ferry:landingZone: { prefix: t, tags: { owner: o, costCentre: c, dataClassification: d } }\n" +
      "  ferry:network: { supernet: 10.112.0.0/16, hub: { prefix: 10.112.0.0/24, firewallSubnet: 10.112.0.0/26, bastionSubnet: 10.112.0.64/26, gatewaySubnet: 10.112.0.128/27 } }\n",
  );
  await chmod(join(fakePath, "pulumi"), 0o755);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("ferry deploy", () => {
  it("says the pulumi CLI is missing and how to install it, exits 2 and writes nothing", async () => {
    const before = await listing(project);
    const { code, stderr } = await ferry(["deploy", "--stack", "dev", "--preview", "--dir", project], emptyPath);
    expect(code).toBe(2);
    expect(stderr).toMatch(/`pulumi` CLI is not installed/);
    expect(stderr).toContain("curl -fsSL https://get.pulumi.com | sh");
    expect(stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect(await listing(project)).toEqual(before);
  });

  it("reports the missing CLI as JSON with its code", async () => {
    const { code, stdout } = await ferry(["deploy", "--stack", "dev", "--yes", "--json", "--dir", project], emptyPath);
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({ ok: false, error: { code: "pulumi-missing" } });
  });

  it("refuses to apply without --yes", async () => {
    const { code, stderr } = await ferry(["deploy", "--stack", "dev", "--dir", project], fakePath);
    expect(code).toBe(2);
    expect(stderr).toMatch(/add --yes to apply, or --preview/);
  });

  it("names the known stacks when asked for an unknown one", async () => {
    const { code, stderr } = await ferry(["deploy", "--stack", "prod", "--preview", "--dir", project], fakePath);
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown stack prod \(stacks: dev\)/);
  });

  it("refuses --expect-no-changes without --preview", async () => {
    const { code, stderr } = await ferry(["deploy", "--stack", "dev", "--yes", "--expect-no-changes", "--dir", project], fakePath);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--expect-no-changes goes with --preview/);
  });

  it("refuses a stack without subscriptions and says what to add", async () => {
    const { code, stdout } = await ferry(["deploy", "--stack", "dev", "--preview", "--json", "--dir", noSubs], fakePath);
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({ ok: false, error: { code: "config-missing" } });
  });

  it("documents --init and the drift check in its help", async () => {
    const { code, stdout } = await ferry(["deploy", "--help"], fakePath);
    expect(code).toBe(0);
    expect(stdout).toContain("--init");
    expect(stdout).toContain("ferry deploy --stack prod --preview --expect-no-changes");
  });

  it("asks for a build when the program is not compiled", async () => {
    const { code, stderr } = await ferry(["deploy", "--stack", "dev", "--preview", "--dir", project], fakePath);
    expect(code).toBe(2);
    expect(stderr).toMatch(/dist\/stacks\/index\.js is missing[\s\S]*npm run build/);
  });
});
