import type { ShellKind } from "../shell/index.js";
import { powershellCommand, windowsKillScript, windowsProbeScript } from "../shell/powershell.js";
import type { WindowsProcess } from "../shell/powershell.js";

/** The commands exec.ts runs on a second channel to follow or stop a step, for a Windows host. */
export interface WindowsControl {
  /** Prints `alive` or `gone` for the step's process tree. */
  probe(p: WindowsProcess): string;
  /**
   * Stops the step's process tree. Windows has no SIGTERM to send a console program in another
   * session, so TERM and KILL both terminate (`Stop-Process -Force`); the command prints
   * `No such process` and exits 1 when nothing is left to stop.
   */
  signal(p: WindowsProcess, sig: "TERM" | "KILL"): string;
}

/** Windows control commands for a step's shell, or undefined for sh (exec.ts's own `kill`). */
export function windowsControl(shell: ShellKind | undefined): WindowsControl | undefined {
  if (shell !== "powershell" && shell !== "cmd") return undefined;
  return {
    probe: (p) => powershellCommand(windowsProbeScript(p)),
    signal: (p) => powershellCommand(windowsKillScript(p)),
  };
}
