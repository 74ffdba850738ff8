import type { ChildProcess } from "node:child_process";

/** Servers still running, killed if the test process exits without stopping them. */
const running = new Set<number>();
let exitHookInstalled = false;

/** Kill `child` (SIGKILL) if the test process exits while it still runs, so no server outlives its test. */
export function killOnExit(child: ChildProcess): void {
  const pid = child.pid!;
  running.add(pid);
  child.once("exit", () => running.delete(pid));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const p of running) {
      try {
        process.kill(p, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  });
}
