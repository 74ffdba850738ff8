/**
 * A wave's schedule as the engine would run it, from estimates: pure, O(n log n) in the number
 * of applications (plus their steps).
 *
 * Inside one application (engine/application.ts): prechecks one after another, then the steps
 * (file order, or as a graph when the runbook uses `needs`: each starts when the steps it needs
 * are done), then the verify gates one after another. Across applications (engine/scheduler.ts):
 * each takes, in wave order, a slot of its source site (`perSite`), of each of its hosts sorted
 * (`perHost`) and of the run (`concurrency`), holding what it has while it waits for the next,
 * and gives them all back when it finishes; a freed slot goes to the first application waiting
 * for it. Rollback runs applications one at a time (engine/run.ts), each through its steps'
 * rollbacks, so a wave's rollback takes the sum of them.
 */
import type { Estimate } from "./types.js";

/** The limits a wave runs with, as `ferry run` takes them. */
export type RunLimits = {
  /** Applications at once. */
  concurrency: number;
  /** Applications per source site at once; undefined: unlimited. */
  perSite?: number | undefined;
  /** Applications touching one host at once; undefined: unlimited. */
  perHost?: number | undefined;
};

/** One entry of an application's runbook with its estimate. */
export interface TimedEntry {
  id: string;
  estimate: Estimate;
}

/** What the simulation needs of one application's runbook. */
export interface RunbookTiming {
  prechecks: readonly TimedEntry[];
  /** Steps in file order, each with the steps it needs (the previous one without `needs`). */
  steps: readonly (TimedEntry & { needs: readonly string[] })[];
  verify: readonly TimedEntry[];
  /** The whole rollback of the application (every step's rollback), P50 and P90, ms. */
  rollbackP50Ms: number;
  rollbackP90Ms: number;
}

/** One entry as scheduled inside its application: offsets from the application's start, ms. */
export interface EntrySchedule {
  id: string;
  kind: "precheck" | "step" | "verify";
  start: number;
  end: number;
}

/** An application's own schedule at one percentile. */
export interface AppProfile {
  durationMs: number;
  entries: EntrySchedule[];
  /** Ids of the entries on the application's longest chain, in run order. */
  critical: string[];
}

/** The application's schedule at P50 or P90: entries back to back, steps as their graph allows. */
export function profileOf(timing: RunbookTiming, percentile: "p50" | "p90"): AppProfile {
  const ms = (e: TimedEntry) => (percentile === "p50" ? e.estimate.p50Ms : e.estimate.p90Ms);
  const entries: EntrySchedule[] = [];
  const before = new Map<string, string | undefined>(); // the entry that made each one wait, for the chain
  let t = 0;
  let last: string | undefined;
  for (const p of timing.prechecks) {
    entries.push({ id: p.id, kind: "precheck", start: t, end: (t += ms(p)) });
    before.set(p.id, last);
    last = p.id;
  }
  const stepsStart = t;
  const endOf = new Map<string, number>();
  // Steps come in file order, and `needs` may point forward; resolve in dependency order.
  const pending = new Map(timing.steps.map((s) => [s.id, s]));
  const resolve = (id: string, depth: number): number => {
    const done = endOf.get(id);
    if (done !== undefined) return done;
    const s = pending.get(id);
    if (!s || depth > timing.steps.length) return stepsStart; // validated runbooks have neither unknown needs nor cycles
    let start = stepsStart;
    let because = last;
    for (const n of s.needs) {
      const e = resolve(n, depth + 1);
      if (e > start || (e === start && because === last)) {
        start = e;
        because = n;
      }
    }
    const end = start + ms(s);
    endOf.set(id, end);
    entries.push({ id, kind: "step", start, end });
    before.set(id, because);
    return end;
  };
  let lastStep: string | undefined;
  for (const s of timing.steps) {
    const end = resolve(s.id, 0);
    if (lastStep === undefined || end >= endOf.get(lastStep)!) lastStep = s.id;
  }
  if (lastStep !== undefined) {
    t = Math.max(t, endOf.get(lastStep)!);
    last = lastStep;
  }
  for (const v of timing.verify) {
    entries.push({ id: v.id, kind: "verify", start: t, end: (t += ms(v)) });
    before.set(v.id, last);
    last = v.id;
  }
  const critical: string[] = [];
  for (let id = last; id !== undefined; id = before.get(id)) critical.push(id);
  critical.reverse();
  entries.sort((a, b) => a.start - b.start || a.end - b.end);
  return { durationMs: t, entries, critical };
}

/** The application's duration at P50 or P90 alone: what `profileOf` gives as `durationMs`, without the schedule. */
export function durationOf(timing: RunbookTiming, percentile: "p50" | "p90"): number {
  const ms = (e: TimedEntry) => (percentile === "p50" ? e.estimate.p50Ms : e.estimate.p90Ms);
  let before = 0;
  for (const p of timing.prechecks) before += ms(p);
  let after = 0;
  for (const v of timing.verify) after += ms(v);
  const endOf = new Map<string, number>();
  const byId = new Map(timing.steps.map((s) => [s.id, s]));
  const end = (id: string, depth: number): number => {
    const done = endOf.get(id);
    if (done !== undefined) return done;
    const s = byId.get(id);
    if (!s || depth > timing.steps.length) return 0;
    let start = 0;
    for (const n of s.needs) start = Math.max(start, end(n, depth + 1));
    const e = start + ms(s);
    endOf.set(id, e);
    return e;
  };
  let longest = 0;
  for (const s of timing.steps) longest = Math.max(longest, end(s.id, 0));
  return before + longest + after;
}

/** One application of a wave, in wave (run) order. */
export interface WaveItem {
  id: string;
  site?: string | null | undefined;
  hosts: readonly string[];
  durationMs: number;
}

export interface WaveSchedule {
  /** Start and end of each item, ms from the wave's start, by position. */
  start: Float64Array;
  end: Float64Array;
  /** The wave's duration: the last end. */
  makespanMs: number;
  /** Positions of the applications on the critical path, first to last: each started when the one before it freed its slot. */
  chain: number[];
}

/** Binary min-heap of (time, position), ties broken by position. */
class EventHeap {
  private readonly t: number[] = [];
  private readonly p: number[] = [];
  get size(): number {
    return this.t.length;
  }
  private less(i: number, j: number): boolean {
    return this.t[i]! < this.t[j]! || (this.t[i] === this.t[j] && this.p[i]! < this.p[j]!);
  }
  private swap(i: number, j: number): void {
    [this.t[i], this.t[j]] = [this.t[j]!, this.t[i]!];
    [this.p[i], this.p[j]] = [this.p[j]!, this.p[i]!];
  }
  push(time: number, pos: number): void {
    this.t.push(time);
    this.p.push(pos);
    let i = this.t.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }
  pop(): number {
    const top = this.p[0]!;
    const lastT = this.t.pop()!;
    const lastP = this.p.pop()!;
    if (this.t.length > 0) {
      this.t[0] = lastT;
      this.p[0] = lastP;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.t.length && this.less(l, m)) m = l;
        if (r < this.t.length && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
  peekTime(): number {
    return this.t[0]!;
  }
}

interface Slots {
  limit: number;
  used: number;
  waiting: number[];
  head: number;
}

/** Schedule a wave's applications within the limits (see the module comment). */
export function scheduleWave(items: readonly WaveItem[], limits: RunLimits): WaveSchedule {
  const n = items.length;
  const start = new Float64Array(n);
  const end = new Float64Array(n);
  const startedBy = new Int32Array(n).fill(-1);
  const queues = new Map<string, Slots>();
  const slotsOf = (key: string, limit: number): Slots => {
    let q = queues.get(key);
    if (!q) queues.set(key, (q = { limit, used: 0, waiting: [], head: 0 }));
    return q;
  };
  const global: Slots = { limit: Math.max(1, limits.concurrency), used: 0, waiting: [], head: 0 };
  const path: Slots[][] = items.map((item) => {
    const qs: Slots[] = [];
    if (limits.perSite && item.site) qs.push(slotsOf(`site:${item.site}`, limits.perSite));
    if (limits.perHost) for (const h of [...new Set(item.hosts)].sort()) qs.push(slotsOf(`host:${h}`, limits.perHost));
    qs.push(global);
    return qs;
  });
  const held = new Int32Array(n); // how many of its queues each item holds
  const running = new EventHeap();
  let now = 0;

  /** Take the item's next queues while they have room; start it when it holds them all. */
  const advance = (i: number, because: number) => {
    const qs = path[i]!;
    while (held[i]! < qs.length) {
      const q = qs[held[i]!]!;
      if (q.used >= q.limit) {
        q.waiting.push(i);
        return;
      }
      q.used++;
      held[i]!++;
    }
    start[i] = now;
    end[i] = now + items[i]!.durationMs;
    startedBy[i] = because;
    running.push(end[i]!, i);
  };

  for (let i = 0; i < n; i++) advance(i, -1);
  let makespan = 0;
  let lastDone = -1;
  while (running.size > 0) {
    now = running.peekTime();
    const i = running.pop();
    if (end[i]! > makespan || lastDone < 0) {
      makespan = end[i]!;
      lastDone = i;
    }
    const qs = path[i]!;
    for (let k = qs.length - 1; k >= 0; k--) {
      const q = qs[k]!;
      q.used--;
      if (q.head < q.waiting.length) {
        const next = q.waiting[q.head++]!;
        q.used++;
        held[next]!++;
        advance(next, i);
      }
    }
  }
  const chain: number[] = [];
  for (let i = lastDone; i >= 0; i = startedBy[i]!) chain.push(i);
  chain.reverse();
  return { start, end, makespanMs: makespan, chain };
}

/** `iso` (with its offset) moved by `ms`, written with the same offset, to the second. */
export function shiftIso(iso: string, ms: number): string {
  const m = /([+-]\d{2}:\d{2}|Z)$/.exec(iso);
  const offset = m?.[1] ?? "Z";
  const offsetMs = offset === "Z" ? 0 : (offset.startsWith("-") ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6))) * 60_000;
  const instant = Math.floor((Date.parse(iso) + ms) / 1000) * 1000;
  const wall = new Date(instant + offsetMs).toISOString().slice(0, 19);
  return `${wall}${offset === "Z" ? "Z" : offset}`;
}
