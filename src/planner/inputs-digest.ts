import { canonicalJson, sha256Tagged, tagDigest } from "./canonical.js";
import type { PlanInputs } from "./inputs.js";

/** The per-input digests a plan records, and the one digest over all of them. */
export interface InputDigests {
  /** Digest of the estate: every `estate/` file's path and bytes. */
  estate: string;
  /** Each stack config's file digest, by environment name. */
  stacks: Record<string, string>;
  /** Each runbook the plan uses, by name. */
  runbooks: Record<string, string>;
  /** `sha256:` over the canonical JSON of the three members above. */
  inputsDigest: string;
}

function sortedRecord(entries: [string, string][]): Record<string, string> {
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The estate's digest: the sorted list of `estate/` file paths with their byte digests (a
 * renamed or split file counts as a change). Inputs built in memory, with no files, are
 * digested by their canonical JSON instead.
 */
export function estateDigest(inputs: Pick<PlanInputs, "estate" | "files">): string {
  const files = inputs.files.filter((f) => f.path.startsWith("estate/"));
  if (files.length === 0) return sha256Tagged(canonicalJson(inputs.estate));
  return sha256Tagged(canonicalJson(files.map((f) => ({ path: f.path, digest: tagDigest(f.digest) })).sort((a, b) => (a.path < b.path ? -1 : 1))));
}

/**
 * Digests of everything a plan depends on: the estate, every stack config (a target change
 * anywhere may change what a runbook does), and the runbooks named in `usedRunbooks`. A name
 * the project lacks is recorded as `missing`, so adding it later counts as drift.
 */
export function digestInputs(inputs: PlanInputs, usedRunbooks: Iterable<string>): InputDigests {
  const estate = estateDigest(inputs);
  const stacks = sortedRecord([...inputs.stacks.values()].map((s) => [s.name, tagDigest(s.digest)]));
  const runbooks = sortedRecord([...new Set(usedRunbooks)].map((name) => [name, runbookDigest(inputs, name)]));
  return { estate, stacks, runbooks, inputsDigest: sha256Tagged(canonicalJson({ estate, stacks, runbooks })) };
}

/** A runbook's recorded digest, or `missing` when the project has no runbook of that name. */
export function runbookDigest(inputs: Pick<PlanInputs, "runbooks">, name: string): string {
  const r = inputs.runbooks.get(name);
  return r ? tagDigest(r.digest) : "missing";
}
