import { CODES, FerryError } from "../../model/codes.js";
import { formatDiagnostic, InputError } from "../../model/diagnostics.js";
import { printable } from "../../model/printable.js";

/** Set by a command that finished with a non-zero outcome it already reported. */
export class ExitWith extends Error {
  override name = "ExitWith";
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

/**
 * Wrap a command's action: user mistakes print as clear messages (no stack trace) with the
 * documented exit code; anything else is a bug, printed with its stack only under FERRY_DEBUG.
 * With `json`, errors are printed as one JSON object on stdout for pipelines.
 */
export function command<A extends unknown[]>(
  fn: (...args: A) => Promise<number | void>,
  opts: { json?: (args: A) => boolean } = {},
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const json = opts.json?.(args) ?? false;
    try {
      const code = await fn(...args);
      process.exitCode = code ?? 0;
    } catch (err) {
      process.exitCode = report(err, json);
    }
  };
}

function report(err: unknown, json: boolean): number {
  if (err instanceof ExitWith) return err.exitCode;
  if (err instanceof InputError) {
    if (json) process.stdout.write(JSON.stringify({ ok: false, errors: err.diagnostics }) + "\n");
    else for (const d of err.diagnostics) process.stderr.write(printable(formatDiagnostic(d)) + "\n");
    return err.exitStatus;
  }
  if (err instanceof FerryError) {
    if (json) process.stdout.write(JSON.stringify({ ok: false, error: { code: err.code, message: err.message, hint: err.hint } }) + "\n");
    else process.stderr.write(printable(`ferry: ${err.message}${err.hint ? `\n  ${err.hint}` : ""}`) + "\n");
    return err.exitStatus;
  }
  const debug = process.env.FERRY_DEBUG;
  process.stderr.write(
    printable(`ferry: internal error: ${err instanceof Error ? err.message : String(err)}`) +
      "\n" +
      (debug && err instanceof Error ? `${err.stack}\n` : "  Re-run with FERRY_DEBUG=1 and report the output.\n"),
  );
  return CODES.internal.exit;
}
