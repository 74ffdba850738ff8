/** The durable-wave benches' common ground (engine and state): one estate, its prepared applications, CPU time. */
import type { Application, Estate } from "../src/model/estate.js";
import { Runbook } from "../src/model/runbook.js";
import { prepareApplication, type PreparedApp } from "../src/engine/prepare.js";

/** `n` applications on one loopback host: the engine's own cost, with no action worth measuring. */
export function benchEstate(n: number): Estate {
  return {
    organisations: [],
    sites: [{ id: "guildhall", name: "Guildhall", kind: "office" }],
    networks: [],
    hosts: [{ id: "h1", site: "guildhall", address: "127.0.0.1", os: "linux" }],
    applications: Array.from({ length: n }, (_, i) => ({
      id: `app-${i}`, name: `App ${i}`, owner: "IT", criticality: "low", users: 0, delivery: "server", disposition: "rehost",
      hosts: ["h1"], effort: 1, dependsOn: [], blackouts: [],
    })) as unknown as Application[],
    datasets: [],
  };
}

/** A runbook of `steps` no-op `wait: 0s` steps. */
export const noopRunbook = (steps: number): Runbook =>
  Runbook.parse({ apiVersion: "ferry/v1", kind: "Runbook", name: "bench", steps: Array.from({ length: steps }, (_, i) => ({ id: `s${i}`, wait: "0s" })) });

export function prepareAll(est: Estate, rb: Runbook): PreparedApp[] {
  return est.applications.map((a) => {
    const r = prepareApplication(a, rb.name, rb, est, {});
    if (!r.prepared) throw new Error(r.problems.map((p) => p.message).join("; "));
    return r.prepared;
  });
}

/** CPU time (user + sys) of this process, ms: what the engine costs whatever else runs on the machine. */
export const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
