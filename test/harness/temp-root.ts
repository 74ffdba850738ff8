/**
 * Vitest global setup: every temporary directory the tests make (mkdtemp under os.tmpdir())
 * lands in one folder per test run, removed when the run ends, so repeated `npm test` runs do
 * not leave thousands of project, journal and sshd folders behind. Forked test workers and the
 * processes they start inherit TMPDIR. The folder is world-traversable (0755) because sshd
 * reads authorized_keys in it as the test login account.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), "ferry-tests-"));
  chmodSync(root, 0o755);
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(root, { recursive: true, force: true });
  };
}
