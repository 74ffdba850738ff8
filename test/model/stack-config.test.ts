import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { loadProject } from "../../src/model/load.js";
import { stackTargetFromConfig } from "../../src/model/stack.js";
import { REPO_ROOT } from "../planner/repo-copy.js";

/** `ferry:*` of a stack file as Pulumi's runtime config holds them: objects as JSON text, scalars as text. */
async function pulumiConfig(env: string): Promise<(key: string) => string | undefined> {
  const file = parse(await readFile(join(REPO_ROOT, "stacks", `Pulumi.${env}.yaml`), "utf8")) as { config: Record<string, unknown> };
  return (key) => {
    const v = file.config[`ferry:${key}`];
    return v === undefined ? undefined : typeof v === "object" ? JSON.stringify(v) : String(v);
  };
}

describe("stackTargetFromConfig", () => {
  it.each(["dev", "prod"])("reads the %s stack's target exactly as the project loader reads its file", async (env) => {
    const project = await loadProject(REPO_ROOT);
    expect(stackTargetFromConfig(await pulumiConfig(env), env)).toEqual(project.stacks.get(env)!.target);
  });

  it("refuses a config that breaks the schema, naming the stack and each bad key", async () => {
    const get = await pulumiConfig("dev");
    expect(() => stackTargetFromConfig((key) => (key === "network" ? "[1]" : get(key)), "dev")).toThrow(/^stack dev: invalid ferry config \(run `ferry validate` for file:line:col\):\n {2}ferry:network: /);
  });
});
