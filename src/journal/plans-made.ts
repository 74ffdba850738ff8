/**
 * When each plan was first made on this machine: one JSON line per new plan hash in
 * `<state>/plans.ndjson`, appended by `ferry plan`. A plan carries no time of its own (the same
 * inputs must give the same bytes), so this is what lets `ferry run` refuse an approval dated
 * before the plan it approves existed. Plans made elsewhere (a pipeline, a colleague) are not
 * in it, and for them the check cannot be made.
 */
import { open, readFile } from "node:fs/promises";
import path from "node:path";
import { errnoCode } from "./errors.js";
import { ensurePrivateDir, FILE_MODE } from "./state-dir.js";

const FILE = "plans.ndjson";

/** When plan `hash` was first made here, or undefined when it was not made on this machine. */
export async function planFirstMade(stateDir: string, hash: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(path.resolve(stateDir), FILE), "utf8");
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return undefined;
    throw err;
  }
  for (const line of text.split("\n")) {
    try {
      const r = JSON.parse(line) as { plan?: string; at?: string };
      if (r.plan === hash && r.at) return r.at;
    } catch {
      // a torn last line: not a record
    }
  }
  return undefined;
}

/** Record that plan `hash` was made now, unless it was made here before. */
export async function recordPlanMade(stateDir: string, hash: string, now: Date = new Date()): Promise<void> {
  if (await planFirstMade(stateDir, hash)) return;
  await ensurePrivateDir(path.resolve(stateDir), { create: true });
  const fh = await open(path.join(path.resolve(stateDir), FILE), "a", FILE_MODE);
  try {
    await fh.appendFile(JSON.stringify({ plan: hash, at: now.toISOString() }) + "\n");
    await fh.sync();
  } finally {
    await fh.close();
  }
}
