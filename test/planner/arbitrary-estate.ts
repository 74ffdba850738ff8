import fc from "fast-check";
import type { Application, Calendar, Dataset, Estate, Host, Site } from "../../src/model/estate.js";

const DISPOSITIONS = ["rehost", "replatform", "repurchase", "relocate", "retire", "retain"] as const;
const CRITICALITIES = ["critical", "high", "medium", "low"] as const;
const DELIVERIES = ["citrix", "desktop", "web", "saas", "server"] as const;
const BASE = "2027-01-04";

function dateAt(offset: number): string {
  const d = new Date(`${BASE}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + offset);
  return d.toISOString().slice(0, 10);
}

const range = fc.tuple(fc.integer({ min: -20, max: 400 }), fc.integer({ min: 0, max: 60 })).map(([start, len]) => ({ from: dateAt(start), to: dateAt(start + len) }));

export interface ArbitraryOptions {
  /** Leave out everything that can make an application unplaceable (for liveness properties). */
  unconstrained?: boolean;
}

/**
 * Random valid estates: together and order links (cycles included), retirements, blackouts,
 * freezes, capacities, closing sites, data sets with retention dates.
 */
export function arbitraryEstate(opts: ArbitraryOptions = {}): fc.Arbitrary<Estate> {
  return fc
    .record({
      n: fc.integer({ min: 1, max: 24 }),
      siteCloses: fc.array(fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }), { minLength: 4, maxLength: 4 }),
      appSeeds: fc.array(
        fc.record({
          disposition: fc.constantFrom(...DISPOSITIONS),
          criticality: fc.constantFrom(...CRITICALITIES),
          delivery: fc.constantFrom(...DELIVERIES),
          effort: fc.integer({ min: 0, max: 5 }),
          users: fc.integer({ min: 0, max: 300 }),
          hosts: fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 2 }),
          deps: fc.array(fc.record({ to: fc.nat(), kind: fc.constantFrom("order", "order", "order", "together", "none") }), { maxLength: 3 }),
          blackouts: fc.array(range, { maxLength: 2 }),
          events: fc.subarray(["billing", "polls", "year-end"]),
          supportEnds: fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }),
          contractEnds: fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }),
          // The application's own estimate of the fixtures' runbook step `stop-source` (window fit).
          estimate: fc.constantFrom(undefined, undefined, "20m", "1h", "2h", "3h30m", "5h"),
        }),
        { minLength: 24, maxLength: 24 },
      ),
      // Which legacy networks are duplicated at another site (an overlap to re-address).
      duplicated: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
      events: fc.record({ billing: range, polls: fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 3 }), before: fc.integer({ min: 0, max: 40 }), after: fc.integer({ min: 0, max: 10 }), yearEnd: range }),
      datasets: fc.array(fc.record({ app: fc.nat(), decision: fc.constantFrom("migrate", "archive", "destroy"), retain: fc.option(fc.integer({ min: -100, max: 400 }), { nil: undefined }) }), { maxLength: 6 }),
      calendar: fc.record({
        start: fc.integer({ min: 0, max: 30 }),
        cadenceDays: fc.integer({ min: 1, max: 21 }),
        horizonWaves: fc.integer({ min: 1, max: 30 }),
        freezes: fc.array(range, { maxLength: 3 }),
        applications: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
        effort: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
        users: fc.option(fc.integer({ min: 1, max: 900 }), { nil: undefined }),
        perSite: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
        concurrency: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
      }),
    })
    .map(({ n, siteCloses, appSeeds, datasets, calendar, duplicated, events }) => {
      const sites: Site[] = siteCloses.map((c, i) => ({ id: `s${i}`, name: `Site ${i}`, kind: "office", ...(c !== undefined && !opts.unconstrained ? { closes: dateAt(c) } : {}) }));
      const hosts: Host[] = Array.from({ length: 8 }, (_, i) => ({ id: `h${i}`, site: `s${i % 4}`, address: `10.${i}.0.1`, os: "linux" }));
      const ids = Array.from({ length: n }, (_, i) => `app-${String(i).padStart(2, "0")}`);
      const applications: Application[] = ids.map((id, i) => {
        const s = appSeeds[i]!;
        const disposition = s.disposition;
        return {
          id,
          name: `App ${i} & <Co>, "quoted"`,
          owner: "Team, Ltd",
          criticality: s.criticality,
          users: s.users,
          delivery: s.delivery,
          disposition,
          ...(disposition === "retire" || disposition === "retain" ? {} : { target: "cloud" }),
          hosts: [...new Set(s.hosts)].map((h) => `h${h}`),
          effort: s.effort,
          dependsOn: s.deps
            .map((d) => ({ to: ids[d.to % n]!, kind: d.kind }))
            .filter((d) => d.to !== id)
            .map((d) => (d.kind === "together" ? { app: d.to, together: true } : d.kind === "none" ? { app: d.to, order: "none" as const } : { app: d.to })),
          blackouts: opts.unconstrained ? [] : [...s.blackouts.map((b) => ({ ...b, reason: "Busy season" })), ...s.events],
          ...(s.supportEnds !== undefined && !opts.unconstrained ? { supportEnds: dateAt(s.supportEnds) } : {}),
          ...(s.contractEnds !== undefined && !opts.unconstrained ? { contractEnds: dateAt(s.contractEnds) } : {}),
          ...(s.estimate !== undefined ? { estimates: { "stop-source": s.estimate } } : {}),
        };
      });
      const cal: Calendar = {
        firstWave: dateAt(calendar.start),
        cadenceDays: calendar.cadenceDays,
        window: { start: "19:00", end: "23:30", timezone: "Europe/London" },
        horizonWaves: opts.unconstrained ? Math.max(calendar.horizonWaves, n + 1) : calendar.horizonWaves,
        freezes: opts.unconstrained ? [] : calendar.freezes.map((f) => ({ ...f, reason: "Freeze" })),
        ...(calendar.concurrency !== undefined ? { runLimits: { concurrency: calendar.concurrency } } : {}),
        events: {
          billing: { ...events.billing, every: "year", reason: "Council tax billing" },
          polls: { on: events.polls.map(dateAt), daysBefore: events.before, daysAfter: events.after, reason: "Pre-election period and count" },
          "year-end": { ...events.yearEnd, reason: "Financial year end" },
        },
        capacity: opts.unconstrained
          ? {}
          : {
              ...(calendar.applications !== undefined ? { applications: calendar.applications } : {}),
              ...(calendar.effort !== undefined ? { effort: calendar.effort } : {}),
              ...(calendar.users !== undefined ? { users: calendar.users } : {}),
              ...(calendar.perSite !== undefined ? { perSite: calendar.perSite } : {}),
            },
      };
      const ds: Dataset[] = datasets.map((d, i) => ({ id: `ds-${i}`, application: ids[d.app % n]!, sizeGb: 10 * i, decision: d.decision, ...(d.retain !== undefined ? { retainUntil: dateAt(d.retain) } : {}) }));
      // Each host's site numbers its network 10.<i>.0.0/16; a duplicate at the next site overlaps it.
      const networks = [
        ...hosts.map((h, i) => ({ id: `net-${i}`, site: h.site, prefix: `10.${i}.0.0/16` })),
        ...hosts.flatMap((_, i) => (duplicated[i] ? [{ id: `dup-${i}`, site: `s${(i + 1) % 4}`, prefix: `10.${i}.0.0/16` }] : [])),
      ];
      const estate: Estate = { organisations: [], sites, networks, hosts, applications, datasets: ds, calendar: cal };
      return estate;
    });
}
