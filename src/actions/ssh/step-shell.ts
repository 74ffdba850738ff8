import { invalidSpec } from "../invalid-spec.js";
import { shellFor, ShellChoiceError } from "../shell/index.js";
import type { ShellKind } from "../shell/index.js";
import type { ActionContext } from "../types.js";
import type { SshSpec } from "../../model/runbook.js";

/**
 * The shell an ssh step runs in: its host's `os` and its `shell:` (the same choice the engine
 * quoted the step's values for). A shell the host has not is refused before connecting.
 */
export function shellOfStep(ctx: Pick<ActionContext, "host">, spec: Pick<SshSpec, "host" | "shell">): ShellKind {
  try {
    return shellFor(ctx.host(spec.host)?.os, spec.shell, spec.host);
  } catch (err) {
    if (err instanceof ShellChoiceError) throw invalidSpec(`ssh: ${err.message}`, err.hint);
    throw err;
  }
}
