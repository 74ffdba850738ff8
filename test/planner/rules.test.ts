import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import { describe, expect, it } from "vitest";
import type { Plan } from "../../src/model/plan.js";
import { waveSlots } from "../../src/planner/calendar.js";
import { chooseRunbook, planWaves, serializePlan, verifyPlanHash } from "../../src/planner/index.js";
import { app, calendar, DEFAULT_RUNBOOKS, host, inputs, site } from "./fixtures.js";

/** Wave number of each application in the plan. */
function waves(plan: Plan): Record<string, number> {
  return Object.fromEntries(plan.waves.flatMap((w) => w.applications.map((a) => [a.id, w.number])));
}
function dateOf(plan: Plan, id: string): string | undefined {
  return plan.waves.find((w) => w.applications.some((a) => a.id === id))?.date;
}
function warningsOf(plan: Plan, code: string) {
  return plan.warnings.filter((w) => w.code === code);
}

describe("calendar", () => {
  it("puts wave slots on firstWave + k × cadenceDays and numbers waves over the slots used", () => {
    const plan = planWaves(inputs({ applications: ["a", "b", "c"].map((id) => app(id)), calendar: calendar({ cadenceDays: 7, capacity: { applications: 1 } }) }));
    expect(plan.waves.map((w) => [w.number, w.date])).toEqual([
      [1, "2027-01-12"],
      [2, "2027-01-19"],
      [3, "2027-01-26"],
    ]);
  });

  it("skips a slot whose date lies in a freeze, counting the freeze's first and last days", () => {
    const freezes = [
      { from: "2027-01-19", to: "2027-01-19", reason: "One-day freeze" },
      { from: "2027-01-20", to: "2027-01-26", reason: "Ends on a slot" },
    ];
    const plan = planWaves(inputs({ applications: ["a", "b", "c"].map((id) => app(id)), calendar: calendar({ cadenceDays: 7, freezes, capacity: { applications: 1 } }) }));
    expect(plan.waves.map((w) => [w.number, w.date])).toEqual([
      [1, "2027-01-12"],
      [2, "2027-02-02"],
      [3, "2027-02-09"],
    ]);
    expect(waveSlots(calendar({ cadenceDays: 7, freezes, horizonWaves: 4 })).frozen).toEqual([
      { date: "2027-01-19", reason: "One-day freeze" },
      { date: "2027-01-26", reason: "Ends on a slot" },
    ]);
  });

  it("uses only the slots within horizonWaves (frozen ones count) and lists the rest as unplaced", () => {
    const freezes = [{ from: "2027-01-26", to: "2027-01-26", reason: "Freeze" }];
    const plan = planWaves(inputs({ applications: ["a", "b", "c"].map((id) => app(id)), calendar: calendar({ horizonWaves: 3, freezes, capacity: { applications: 1 } }) }));
    expect(plan.waves.map((w) => w.date)).toEqual(["2027-01-12", "2027-02-09"]);
    expect(plan.unplaced).toEqual([{ application: "c", group: "g-003", reason: expect.stringContaining("to the end of the horizon (2027-02-09)") }]);
  });

  it("gives each wave its maintenance window with the offset in force on the day (GMT in winter, BST in summer)", () => {
    const plan = planWaves(inputs({ applications: [app("a", { blackouts: [{ from: "2027-01-01", to: "2027-06-30", reason: "Busy" }] })], calendar: calendar() }));
    expect(plan.waves[0]!.window).toEqual({ start: "2027-07-13T19:00:00+01:00", end: "2027-07-13T23:30:00+01:00" });
    const winter = planWaves(inputs({ applications: [app("a")], calendar: calendar({ window: { start: "22:00", end: "02:00", timezone: "Europe/London" } }) }));
    expect(winter.waves[0]!.window).toEqual({ start: "2027-01-12T22:00:00+00:00", end: "2027-01-13T02:00:00+00:00" });
  });
});

describe("blackouts", () => {
  it("never places an application in a wave dated inside one of its blackouts, ends inclusive", () => {
    const plan = planWaves(
      inputs({
        applications: [app("a", { blackouts: [{ from: "2027-01-01", to: "2027-01-26", reason: "Council tax billing" }] }), app("b")],
        calendar: calendar(),
      }),
    );
    expect(dateOf(plan, "a")).toBe("2027-02-09");
    expect(dateOf(plan, "b")).toBe("2027-01-12");
  });

  it("keeps a together-group out of every member's blackouts", () => {
    const plan = planWaves(
      inputs({
        applications: [app("a", { dependsOn: [{ app: "b", together: true }] }), app("b", { blackouts: [{ from: "2027-01-12", to: "2027-01-12", reason: "Year end" }] })],
        calendar: calendar(),
      }),
    );
    expect(waves(plan)).toEqual({ a: 1, b: 1 });
    expect(plan.waves[0]!.date).toBe("2027-01-26");
  });

  it("says which blackouts stopped an application that found no wave", () => {
    const plan = planWaves(inputs({ applications: [app("a", { blackouts: [{ from: "2027-01-01", to: "2028-12-31", reason: "Contract lock-in" }] })], calendar: calendar({ horizonWaves: 3 }) }));
    expect(plan.unplaced[0]!.reason).toContain("3 fall in its blackouts (Contract lock-in)");
  });
});

describe("capacity", () => {
  it("limits the number of applications per wave", () => {
    const plan = planWaves(inputs({ applications: ["a", "b", "c", "d", "e"].map((id) => app(id)), calendar: calendar({ capacity: { applications: 2 } }) }));
    expect(plan.waves.map((w) => w.load.applications)).toEqual([2, 2, 1]);
  });

  it("limits the sum of effort per wave", () => {
    const plan = planWaves(inputs({ applications: [app("a", { effort: 3 }), app("b", { effort: 3 }), app("c", { effort: 2 })], calendar: calendar({ capacity: { effort: 5 } }) }));
    expect(plan.waves.map((w) => [w.load.effort, w.applications.map((a) => a.id)])).toEqual([
      [5, ["a", "c"]],
      [3, ["b"]],
    ]);
  });

  it("limits the sum of users per wave", () => {
    const plan = planWaves(inputs({ applications: [app("a", { users: 600 }), app("b", { users: 500 }), app("c", { users: 400 })], calendar: calendar({ capacity: { users: 1000 } }) }));
    expect(plan.waves.map((w) => w.load.users)).toEqual([1000, 500]);
    expect(waves(plan)).toEqual({ a: 1, b: 2, c: 1 });
  });

  it("limits applications per source site (the site of the first host), leaving other sites free", () => {
    const plan = planWaves(
      inputs({
        sites: [site("north"), site("south")],
        hosts: [host("n1", "north"), host("n2", "north"), host("s1", "south")],
        applications: [app("a", { hosts: ["n1"] }), app("b", { hosts: ["n2"] }), app("c", { hosts: ["s1"] }), app("d")],
        calendar: calendar({ capacity: { perSite: 1 } }),
      }),
    );
    expect(waves(plan)).toEqual({ a: 1, b: 2, c: 1, d: 1 });
    expect(plan.waves[0]!.load.sites).toEqual({ north: 1, south: 1 });
  });

  it("lists a group larger than a wave's capacity as unplaced, saying which limit it exceeds", () => {
    const plan = planWaves(
      inputs({
        applications: [app("a", { dependsOn: [{ app: "b", together: true }, { app: "c", together: true }] }), app("b"), app("c"), app("d", { effort: 9 })],
        calendar: calendar({ capacity: { applications: 2, effort: 8 } }),
      }),
    );
    expect(plan.unplaced).toEqual([
      { application: "a", group: "g-001", reason: "group of 3 applications exceeds the wave capacity of 2 (moves in one wave with b, c, group g-001)" },
      { application: "b", group: "g-001", reason: "group of 3 applications exceeds the wave capacity of 2 (moves in one wave with a, c, group g-001)" },
      { application: "c", group: "g-001", reason: "group of 3 applications exceeds the wave capacity of 2 (moves in one wave with a, b, group g-001)" },
      { application: "d", group: "g-002", reason: "group effort of 9 points exceeds the wave capacity of 8" },
    ]);
    expect(plan.waves).toEqual([]);
  });
});

describe("together and order links", () => {
  it("puts together-linked applications (either direction, transitively) in one wave, even past capacity pressure", () => {
    const plan = planWaves(
      inputs({
        applications: [app("a"), app("b", { dependsOn: [{ app: "a", together: true }] }), app("c", { dependsOn: [{ app: "b", together: true }] }), app("d")],
        calendar: calendar({ capacity: { applications: 3 } }),
      }),
    );
    expect(waves(plan)).toEqual({ a: 1, b: 1, c: 1, d: 2 });
  });

  it("never moves a dependant before what it depends on, and retires a dependency only after its dependants moved", () => {
    const plan = planWaves(
      inputs({
        applications: [
          app("a-portal", { dependsOn: [{ app: "z-database" }, { app: "m-old-crm" }] }),
          app("z-database", { criticality: "low" }),
          app("m-old-crm", { disposition: "retire", criticality: "critical", target: undefined }),
        ],
        calendar: calendar({ capacity: { applications: 1 } }),
      }),
    );
    const w = waves(plan);
    expect(w["z-database"]).toBeLessThanOrEqual(w["a-portal"]!);
    expect(w["m-old-crm"]).toBeGreaterThanOrEqual(w["a-portal"]!);
    expect(w).toEqual({ "z-database": 1, "a-portal": 2, "m-old-crm": 3 });
  });

  it("ignores order: none links and links to applications that are not planned", () => {
    const plan = planWaves(
      inputs({
        applications: [app("a", { dependsOn: [{ app: "b", order: "none" }, { app: "kept" }], criticality: "critical" }), app("b", { criticality: "low" }), app("kept", { disposition: "retain", target: undefined })],
        calendar: calendar({ capacity: { applications: 1 } }),
      }),
    );
    expect(waves(plan)).toEqual({ a: 1, b: 2 });
  });

  it("merges an order cycle into one group in one wave and names it in a dependency-cycle warning", () => {
    const plan = planWaves(inputs({ applications: [app("a", { dependsOn: [{ app: "b" }] }), app("b", { dependsOn: [{ app: "c" }] }), app("c", { dependsOn: [{ app: "a" }] }), app("d")], calendar: calendar() }));
    expect(waves(plan)).toEqual({ a: 1, b: 1, c: 1, d: 1 });
    expect(new Set(plan.waves[0]!.applications.filter((x) => x.id !== "d").map((x) => x.group)).size).toBe(1);
    expect(warningsOf(plan, "dependency-cycle")).toEqual([{ code: "dependency-cycle", applications: ["a", "b", "c"], message: expect.stringContaining("planned as one group in one wave") }]);
  });

  it("still warns about an order cycle that together-links already keep in one wave", () => {
    const plan = planWaves(inputs({ applications: [app("a", { dependsOn: [{ app: "b" }] }), app("b", { dependsOn: [{ app: "a" }, { app: "a", together: true }] })], calendar: calendar() }));
    expect(waves(plan)).toEqual({ a: 1, b: 1 });
    expect(warningsOf(plan, "dependency-cycle")).toEqual([{ code: "dependency-cycle", applications: ["a", "b"], message: expect.stringContaining("together-links already keep them in one wave") }]);
  });

  it("finds an order cycle between retirements (each switched off after the other)", () => {
    const retire = { disposition: "retire" as const, target: undefined };
    const plan = planWaves(inputs({ applications: [app("a", { ...retire, dependsOn: [{ app: "b" }] }), app("b", { ...retire, dependsOn: [{ app: "a" }] })], calendar: calendar() }));
    expect(warningsOf(plan, "dependency-cycle").map((w) => w.applications)).toEqual([["a", "b"]]);
  });

  it("leaves a dependant unplaced when what it depends on is unplaced, and says why", () => {
    const plan = planWaves(inputs({ applications: [app("a", { dependsOn: [{ app: "b" }] }), app("b", { effort: 50 })], calendar: calendar({ capacity: { effort: 10 } }) }));
    expect(plan.unplaced.find((u) => u.application === "a")!.reason).toBe("depends on b, which is unplaced, and must not move before it");
  });
});

describe("priority", () => {
  it("places applications on a closing site first, then by criticality, then by id", () => {
    const plan = planWaves(
      inputs({
        sites: [site("closing", { closes: "2027-12-31" }), site("open")],
        hosts: [host("h1", "closing"), host("h2", "open")],
        applications: [app("a-low", { criticality: "low", hosts: ["h2"] }), app("b-critical", { criticality: "critical", hosts: ["h2"] }), app("c-closing", { criticality: "low", hosts: ["h1"] }), app("d-critical", { criticality: "critical", hosts: ["h2"] })],
        calendar: calendar({ capacity: { applications: 1 } }),
      }),
    );
    expect(waves(plan)).toEqual({ "c-closing": 1, "b-critical": 2, "d-critical": 3, "a-low": 4 });
  });

  it("pulls a prerequisite of a deadline-bound application forward with it", () => {
    const plan = planWaves(
      inputs({
        sites: [site("closing", { closes: "2027-01-26" })],
        hosts: [host("h1", "closing")],
        applications: [app("a-other", { criticality: "critical" }), app("b-closing", { hosts: ["h1"], dependsOn: [{ app: "z-prereq" }] }), app("z-prereq", { criticality: "low" })],
        calendar: calendar({ capacity: { applications: 1 } }),
      }),
    );
    expect(waves(plan)).toEqual({ "z-prereq": 1, "b-closing": 2, "a-other": 3 });
    expect(warningsOf(plan, "site-deadline")).toEqual([]);
  });
});

describe("site exits", () => {
  it("warns with site-deadline, naming the application, when no wave on or before the closing date can take it", () => {
    const plan = planWaves(
      inputs({
        sites: [site("lodge-road", { closes: "2027-01-20" })],
        hosts: [host("h1", "lodge-road"), host("h2", "lodge-road")],
        applications: [app("a", { hosts: ["h1"] }), app("b", { hosts: ["h2"] })],
        calendar: calendar({ capacity: { perSite: 1 } }),
      }),
    );
    expect(waves(plan)).toEqual({ a: 1, b: 2 });
    expect(warningsOf(plan, "site-deadline")).toEqual([{ code: "site-deadline", applications: ["b"], message: "b on lodge-road (closes 2027-01-20) is placed in wave 2 on 2027-01-26, after the site closes: no wave on or before 2027-01-20 could take it" }]);
  });

  it("counts every host's site: a second host on a closing site sets the deadline", () => {
    const plan = planWaves(
      inputs({
        sites: [site("open"), site("closing", { closes: "2027-01-01" })],
        hosts: [host("h1", "open"), host("h2", "closing")],
        applications: [app("a", { hosts: ["h1", "h2"] })],
        calendar: calendar(),
      }),
    );
    expect(plan.waves[0]!.applications[0]!.site).toBe("open");
    expect(warningsOf(plan, "site-deadline").map((w) => w.applications)).toEqual([["a"]]);
  });

  it("warns for an application on a closing site that could not be placed at all", () => {
    const plan = planWaves(inputs({ sites: [site("closing", { closes: "2027-06-30" })], hosts: [host("h1", "closing")], applications: [app("a", { hosts: ["h1"], effort: 99 })], calendar: calendar({ capacity: { effort: 10 } }) }));
    expect(warningsOf(plan, "site-deadline")[0]!.message).toContain("could not be placed");
  });
});

describe("data retention", () => {
  it("warns retention-expired for a migrate data set whose retainUntil has passed by its wave, and not otherwise", () => {
    const plan = planWaves(
      inputs({
        applications: [app("a")],
        datasets: [
          { id: "old-migrate", application: "a", sizeGb: 40, retainUntil: "2027-01-11", decision: "migrate" },
          { id: "same-day", application: "a", sizeGb: 1, retainUntil: "2027-01-12", decision: "migrate" },
          { id: "old-archive", application: "a", sizeGb: 2, retainUntil: "2020-01-01", decision: "archive" },
          { id: "no-date", application: "a", sizeGb: 3, decision: "migrate" },
        ],
        calendar: calendar(),
      }),
    );
    const expired = warningsOf(plan, "retention-expired");
    expect(expired).toHaveLength(1);
    expect(expired[0]!.message).toBe("data set old-migrate (40 GB) of a is to be migrated in wave 1 on 2027-01-12, but its retention ended on 2027-01-11: decide archive or destroy instead");
    expect(plan.waves[0]!.datasets!.map((d) => [d.id, d.decision])).toEqual([
      ["no-date", "migrate"],
      ["old-archive", "archive"],
      ["old-migrate", "migrate"],
      ["same-day", "migrate"],
    ]);
  });
});

describe("network readiness: re-IP before the move", () => {
  const overlapping = {
    sites: [site("guildhall"), site("abbey")],
    networks: [
      { id: "nbc-servers", site: "guildhall", prefix: "10.1.10.0/24" },
      { id: "ddc-lan", site: "abbey", prefix: "10.1.0.0/16" },
      { id: "clean", site: "abbey", prefix: "172.16.0.0/24" },
    ],
    hosts: [host("h1", "guildhall", "10.1.10.5"), host("h2", "abbey", "10.1.99.5"), host("h3", "abbey", "172.16.0.9"), host("h4", "abbey", "10.1.3.3")],
  };

  it("schedules each colliding network's re-IP (reip-subnet) in a wave before the applications on it, leaving retirements and clean networks alone", () => {
    const plan = planWaves(
      inputs({
        ...overlapping,
        applications: [app("crm", { hosts: ["h1"] }), app("gis", { hosts: ["h2"] }), app("fine", { hosts: ["h3"] }), app("old", { hosts: ["h4"], disposition: "retire", target: undefined })],
        calendar: calendar(),
      }, { runbooks: [...DEFAULT_RUNBOOKS, "reip-subnet"] }),
    );
    expect(plan.waves.map((w) => [w.date, w.applications.map((a) => a.id), (w.changes ?? []).map((c) => [c.id, c.runbook, c.before])])).toEqual([
      ["2027-01-12", ["fine", "old"], [["reip-ddc-lan", "reip-subnet", ["gis"]], ["reip-nbc-servers", "reip-subnet", ["crm"]]]],
      ["2027-01-26", ["crm", "gis"], []],
    ]);
    expect(warningsOf(plan, "reip-required")).toEqual([]);
    expect(plan.runbooks).toHaveProperty("reip-subnet");
  });

  it("counts a re-IP against its site's perSite capacity", () => {
    const plan = planWaves(inputs({ ...overlapping, applications: [app("crm", { hosts: ["h1"] }), app("other", { hosts: ["h1"] })], calendar: calendar({ capacity: { perSite: 1 } }) }));
    expect(plan.waves.map((w) => [w.applications.map((a) => a.id), (w.changes ?? []).map((c) => c.id)])).toEqual([
      [[], ["reip-nbc-servers"]],
      [["crm"], []],
      [["other"], []],
    ]);
  });

  it("places an application ahead of its re-IP when waiting would miss its deadline, and names NAT through the hub firewall", () => {
    const plan = planWaves(
      inputs({
        ...overlapping,
        sites: [site("guildhall", { closes: "2027-01-12" }), site("abbey")],
        applications: [app("crm", { hosts: ["h1"] })],
        calendar: calendar(),
      }),
    );
    expect(plan.waves[0]!.applications.map((a) => a.id)).toEqual(["crm"]);
    const [w] = warningsOf(plan, "reip-required");
    expect(w!.applications).toEqual(["crm"]);
    expect(w!.message).toContain("waiting for it would miss crm's deadline 2027-01-12");
    expect(w!.message).toContain("NAT through the hub firewall");
    expect(w!.prefixes).toEqual(["10.1.10.0/24", "10.1.0.0/16"]);
  });
});

describe("named calendar events", () => {
  const events = {
    "council-tax-billing": { from: "2026-02-01", to: "2026-03-31", every: "year" as const, reason: "Annual council tax billing" },
    elections: { on: ["2027-05-06"], daysBefore: 45, daysAfter: 8, reason: "Pre-election period and count" },
  };

  it("repeats an every-year event and widens election dates; the plan names the event that pushed an application", () => {
    const plan = planWaves(
      inputs({
        applications: [app("revs", { blackouts: ["council-tax-billing"] }), app("poll", { blackouts: ["elections"] })],
        calendar: calendar({ firstWave: "2027-02-02", events, horizonWaves: 20 }),
      }),
    );
    expect(dateOf(plan, "revs")).toBe("2027-04-13");
    expect(plan.waves.flatMap((w) => w.applications).find((a) => a.id === "revs")!.deferredBy).toEqual({ blackout: "council-tax-billing", reason: "Annual council tax billing", skipped: "2027-02-02" });
    expect(dateOf(plan, "poll")).toBe("2027-02-02");
    const late = planWaves(inputs({ applications: [app("poll", { blackouts: ["elections"] })], calendar: calendar({ firstWave: "2027-03-23", events }) }));
    expect(dateOf(late, "poll")).toBe("2027-05-18");
    expect(late.waves[0]!.applications[0]!.deferredBy?.blackout).toBe("elections");
  });
});

describe("support and contract end dates", () => {
  it("act like site exits: placed first, and a site-deadline warning names the date when missed", () => {
    const plan = planWaves(
      inputs({
        applications: [app("a-crit", { criticality: "critical" }), app("b-support", { criticality: "low", supportEnds: "2027-01-20" }), app("c-contract", { criticality: "low", contractEnds: "2027-01-13" })],
        calendar: calendar({ capacity: { applications: 1 } }),
      }),
    );
    expect(waves(plan)).toEqual({ "c-contract": 1, "b-support": 2, "a-crit": 3 });
    expect(warningsOf(plan, "site-deadline")).toEqual([
      { code: "site-deadline", applications: ["b-support"], message: "b-support (support ends 2027-01-20) is placed in wave 2 on 2027-01-26, after its support ends: no wave on or before 2027-01-20 could take it" },
    ]);
  });
});

describe("runbooks", () => {
  it("chooses the application's runbook, else by disposition and delivery", () => {
    const pick = (extra: Parameters<typeof app>[1]) => chooseRunbook(app("x", extra));
    expect(pick({ runbook: "file-share", delivery: "citrix" })).toBe("file-share");
    expect(pick({ disposition: "retire", delivery: "citrix" })).toBe("retire");
    expect(pick({ delivery: "citrix" })).toBe("citrix-to-avd");
    expect(pick({ delivery: "saas" })).toBe("saas-cutover");
    expect(pick({ disposition: "repurchase", delivery: "web" })).toBe("saas-cutover");
    expect(pick({ delivery: "server", disposition: "replatform" })).toBe("rehost-vm");
  });

  it("records the runbook with each application, and the digest of every runbook used", () => {
    const plan = planWaves(inputs({ applications: [app("a", { delivery: "citrix" }), app("b")], calendar: calendar() }));
    expect(plan.waves[0]!.applications.map((a) => [a.id, a.runbook, a.group, a.site, a.target])).toEqual([
      // Each moves alone, so neither names a group.
      ["a", "citrix-to-avd", undefined, null, "azure-uksouth"],
      ["b", "rehost-vm", undefined, null, "azure-uksouth"],
    ]);
    const together = planWaves(inputs({ applications: [app("a", { dependsOn: [{ app: "b", together: true }] }), app("b")], calendar: calendar() }));
    expect(together.waves[0]!.applications.map((a) => a.group)).toEqual(["g-001", "g-001"]);
    expect(Object.keys(plan.runbooks!)).toEqual(["citrix-to-avd", "rehost-vm"]);
  });

  it("leaves an application whose runbook is missing unplaced, naming the runbook", () => {
    const plan = planWaves(inputs({ applications: [app("a", { runbook: "mainframe-lift" })], calendar: calendar() }));
    expect(plan.unplaced).toEqual([{ application: "a", group: "g-001", reason: "a needs runbook mainframe-lift, which is not in runbooks/" }]);
  });
});

describe("determinism and hash", () => {
  const estate = {
    sites: [site("s", { closes: "2027-03-01" })],
    hosts: [host("h", "s")],
    applications: [app("a", { hosts: ["h"], dependsOn: [{ app: "b" }] }), app("b", { name: 'Quotes " and <tags> & ünïcode' }), app("c", { dependsOn: [{ app: "a", together: true }] })],
    datasets: [{ id: "d", application: "a", sizeGb: 1, retainUntil: "2020-01-01", decision: "migrate" as const }],
    calendar: calendar({ capacity: { applications: 2 } }),
  };

  it("gives byte-identical plan files for the same inputs", () => {
    expect(serializePlan(planWaves(inputs(estate)))).toBe(serializePlan(planWaves(inputs(structuredClone(estate)))));
  });

  it("hashes the SHA-256 of the RFC 8785 canonical JSON of the plan without its hash", () => {
    const plan = planWaves(inputs(estate));
    const { hash, ...rest } = plan;
    expect(hash).toBe(`sha256:${createHash("sha256").update(canonicalize(rest)!, "utf8").digest("hex")}`);
    // The file's layout is not what is hashed: a re-parsed file verifies too.
    expect(verifyPlanHash(JSON.parse(serializePlan(plan))).ok).toBe(true);
  });

  it("detects any edit to a plan through its hash", () => {
    const plan = JSON.parse(serializePlan(planWaves(inputs(estate))));
    plan.waves[0].applications[0].runbook = "retire";
    expect(verifyPlanHash(plan)).toMatchObject({ ok: false, recorded: expect.stringMatching(/^sha256:/) });
  });
});
