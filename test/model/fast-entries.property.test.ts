import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Application, EstateFile, Host } from "../../src/model/estate.js";
import { fastApplication, fastHost, safeParseEstateFile } from "../../src/model/fast-entries.js";

// Values that are right for some field and wrong for others, so mutations hit every branch.
const odd = fc.oneof(
  fc.constantFrom("", "a", "web-01", "Web", "-x", "10.0.0.1", "10.0.0.256", "010.0.0.1", "::1", "2027-02-29", "2028-02-29", "2027-13-01", "high", "citrix", "rehost", "linux", "none", "before", "__proto__"),
  fc.string(),
  fc.integer({ min: -3, max: 70000 }),
  fc.constantFrom(0, -0, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, null, true, false),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.constantFrom("a-1", "B", 3)),
);
const id = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,8}$/);
const date = fc.constantFrom("2027-01-31", "2028-02-29", "2027-02-29", "2027-1-01");

const host = fc.record(
  {
    id,
    site: id,
    address: fc.oneof(fc.ipV4(), fc.constantFrom("::1", "fe80::1", "1.2.3.04")),
    os: fc.constantFrom("linux", "windows", "appliance", "network-device", "dos"),
    ssh: fc.record({ user: fc.constantFrom("", "ops"), port: fc.constantFrom(0, 22, 65535, 65536), via: id }, { requiredKeys: [] }),
    aliases: fc.array(fc.oneof(fc.string(), fc.integer())),
  },
  { requiredKeys: ["id", "site", "address", "os"] },
);

const dependency = fc.record({ app: id, together: fc.oneof(fc.boolean(), fc.constant("yes")), order: fc.constantFrom("before", "none", "after"), note: fc.string() }, { requiredKeys: ["app"] });
const blackout = fc.oneof(id, fc.record({ from: date, to: date, reason: fc.constantFrom("", "billing") }, { requiredKeys: [] }));

const application = fc.record(
  {
    id,
    name: fc.string({ maxLength: 3 }),
    organisation: id,
    owner: fc.constantFrom("", "Housing"),
    criticality: fc.constantFrom("critical", "high", "medium", "low", "urgent"),
    users: fc.integer({ min: -1, max: 500 }),
    delivery: fc.constantFrom("citrix", "desktop", "web", "saas", "server"),
    disposition: fc.constantFrom("rehost", "replatform", "repurchase", "relocate", "retire", "retain"),
    target: id,
    hosts: fc.array(id, { maxLength: 3 }),
    runbook: id,
    params: fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.string(), fc.integer())),
    estimates: fc.dictionary(id, fc.constantFrom("5m", "3h")),
    effort: fc.integer({ min: -1, max: 9 }),
    dependsOn: fc.array(dependency, { maxLength: 3 }),
    blackouts: fc.array(blackout, { maxLength: 2 }),
    supportEnds: date,
    contractEnds: date,
    approvalFrom: fc.array(id, { maxLength: 2 }),
  },
  { requiredKeys: ["id", "name", "owner", "criticality", "delivery", "disposition"] },
);

/** An entry with one key set to an odd value, removed, or added. */
function mutated<T extends object>(entry: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.tuple(entry, fc.constantFrom("set", "delete", "add"), fc.nat(), odd).map(([e, how, n, value]) => {
    const o = { ...(e as Record<string, unknown>) };
    const keys = Object.keys(o);
    const key = keys[n % keys.length]!;
    if (how === "set") o[key] = value;
    else if (how === "delete") delete o[key];
    else o[`extra${n % 3}`] = value;
    return o;
  });
}

/** The fast path either defers to zod or gives exactly zod's output, keys in the same order. */
function agrees(fast: (v: unknown) => unknown, schema: { safeParse(v: unknown): { success: boolean; data?: unknown } }, v: unknown): void {
  const out = fast(v);
  if (out === undefined) return;
  const r = schema.safeParse(v);
  expect(r.success).toBe(true);
  expect(JSON.stringify(out)).toBe(JSON.stringify(r.data));
  expect(out).toStrictEqual(r.data);
}

describe("fast estate entry checks", () => {
  it("hosts: never accept what zod refuses, and build zod's output", () => {
    fc.assert(fc.property(fc.oneof(host, mutated(host), odd), (v) => agrees(fastHost, Host, v)), { numRuns: 3000 });
  });

  it("applications: never accept what zod refuses, and build zod's output", () => {
    fc.assert(fc.property(fc.oneof(application, mutated(application), odd), (v) => agrees(fastApplication, Application, v)), { numRuns: 3000 });
  });

  it("take the common, well-formed entries (the fast path is used)", () => {
    expect(fastHost({ id: "web-01", site: "dc1", address: "10.0.0.1", os: "linux", ssh: { user: "ops", port: 22 } })).toBeDefined();
    expect(
      fastApplication({ id: "a", name: "A", owner: "o", criticality: "high", delivery: "web", disposition: "rehost", hosts: ["web-01"], params: { k: "v" }, dependsOn: [{ app: "b", order: "none" }], blackouts: ["x", { from: "2027-01-01", to: "2027-01-02", reason: "r" }] }),
    ).toBeDefined();
  });

  it("whole files: the same result and the same issues as EstateFile", () => {
    const file = fc.record(
      { apiVersion: fc.constantFrom("ferry/v1", "ferry/v2"), kind: fc.constant("Estate"), hosts: fc.array(fc.oneof(host, mutated(host)), { maxLength: 4 }), applications: fc.array(fc.oneof(application, mutated(application)), { maxLength: 4 }), sites: fc.constantFrom([], [{ id: "x" }]) },
      { requiredKeys: ["apiVersion", "kind"] },
    );
    fc.assert(
      fc.property(file, (doc) => {
        const fast = safeParseEstateFile(doc);
        const zod = EstateFile.safeParse(doc);
        expect(fast.success).toBe(zod.success);
        if (zod.success) expect(JSON.stringify(fast.data)).toBe(JSON.stringify(zod.data));
        else expect(fast.error!.issues).toStrictEqual(zod.error.issues);
      }),
      { numRuns: 1500 },
    );
  });
});
