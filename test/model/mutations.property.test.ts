import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { loadProject } from "../../src/model/load.js";
import { projectDir, SMALL_ESTATE } from "../helpers/project-dir.js";

const RUNBOOK = `apiVersion: ferry/v1
kind: Runbook
name: rehost-vm
inputs:
  targetHost: { type: host }
precheck:
  - { id: reachable, tcp: { host: "{{ targetHost.address }}", port: 22, timeout: 5s } }
steps:
  - id: stop
    ssh: { host: "{{ app.hosts.0.id }}", run: "systemctl stop {{ app.id }}" }
    retry: { attempts: 2, delay: 1s }
    rollback: { ssh: { host: "{{ app.hosts.0.id }}", run: "systemctl start {{ app.id }}" } }
verify:
  - { id: up, http: { url: "http://{{ targetHost.address }}/health" }, consecutive: 2, within: 1m }
`;

const BASE: Record<string, string> = { ...SMALL_ESTATE, "runbooks/rehost-vm.yaml": RUNBOOK };
const weird = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string(), { maxKeys: 3 }),
  fc.constantFrom("10.1.10.5/24", "2027-02-30", "5 minutes", "{{ nope }}", "{{", "}}", "-rf", "UPPER"),
);

type Mutation = { kind: "set" | "delete"; pathSeed: number[]; value: unknown } | { kind: "text"; at: number; insert: string; cut: number };

function mutateData(data: unknown, m: Extract<Mutation, { kind: "set" | "delete" }>): unknown {
  let node = data as Record<string, unknown>;
  for (let depth = 0; depth < m.pathSeed.length; depth++) {
    const keys = node && typeof node === "object" ? Object.keys(node) : [];
    if (keys.length === 0) break;
    const key = keys[m.pathSeed[depth]! % keys.length]!;
    const child = node[key];
    const last = depth === m.pathSeed.length - 1 || child === null || typeof child !== "object";
    if (last) {
      if (m.kind === "delete") delete node[key];
      else node[key] = m.value;
      break;
    }
    node = child as Record<string, unknown>;
  }
  return data;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom("set" as const, "delete" as const), pathSeed: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), value: weird }),
  fc.record({ kind: fc.constant("text" as const), at: fc.nat(), insert: fc.string({ maxLength: 6 }), cut: fc.nat({ max: 5 }) }),
);

describe("validator robustness", () => {
  it("never throws on mutated documents: it always returns a clean list of findings", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(BASE)), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (file, mutations) => {
        let text = BASE[file]!;
        for (const m of mutations) {
          if (m.kind === "text") {
            const at = m.at % (text.length + 1);
            text = text.slice(0, at) + m.insert + text.slice(at + m.cut);
          } else {
            try {
              text = stringify(mutateData(parse(text, { logLevel: "silent" }), m));
            } catch {
              // a previous text mutation made it unparsable; keep the broken text
            }
          }
        }
        const project = await loadProject(projectDir({ ...BASE, [file]: text }));
        for (const d of project.diagnostics) {
          expect(d.file).toMatch(/^(estate|runbooks|stacks)\//);
          expect(d.line).toBeGreaterThanOrEqual(1);
          expect(d.column).toBeGreaterThanOrEqual(1);
          expect(d.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("hostile input is bounded", () => {
  it("refuses an alias bomb instead of expanding it", async () => {
    const bomb = ["apiVersion: ferry/v1", "kind: Estate", "a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) bomb.push(`${"b".repeat(i)}: &${"b".repeat(i)} [${Array(10).fill(i === 1 ? "*a" : `*${"b".repeat(i - 1)}`).join(", ")}]`);
    const project = await loadProject(projectDir({ "estate/bomb.yaml": bomb.join("\n") + "\n" }));
    expect(project.diagnostics).toEqual([expect.objectContaining({ file: "estate/bomb.yaml", code: "yaml-syntax", message: expect.stringContaining("alias") })]);
  });

  it("reports deep nesting as an error, not a crash", async () => {
    const deep = "apiVersion: ferry/v1\nkind: Estate\nsites: " + "[".repeat(20000) + "]".repeat(20000) + "\n";
    const project = await loadProject(projectDir({ "estate/deep.yaml": deep }));
    expect(project.diagnostics.length).toBeGreaterThan(0);
    expect(project.diagnostics[0]!.file).toBe("estate/deep.yaml");
  });

  it("reads a 10 MB estate file", async () => {
    const hosts = Array.from({ length: 140_000 }, (_, i) => `  - { id: host-${String(i).padStart(6, "0")}, site: s, address: 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}, os: linux }`);
    const text = "apiVersion: ferry/v1\nkind: Estate\nsites:\n  - { id: s, name: S, kind: office }\nhosts:\n" + hosts.join("\n") + "\n";
    expect(text.length).toBeGreaterThan(9_000_000);
    const project = await loadProject(projectDir({ "estate/big.yaml": text }));
    expect(project.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(project.estate.hosts).toHaveLength(140_000);
  }, 120_000);
});
