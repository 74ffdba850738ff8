import { shellQuote } from "../shell-quote.js";

export interface WrapInput {
  /** The step's shell command, already rendered (template values quoted by the engine). */
  command: string;
  env?: Record<string, string>;
  /** `password`: `sudo -S` fed from stdin on its prompt; `nopass`: `sudo -n`. */
  sudo?: "password" | "nopass";
  pty?: boolean;
  /** Random per execution, so output can never forge ferry's markers by accident. */
  nonce: string;
}

export interface Wrapped {
  /** The exec request's command string. */
  remote: string;
  /** First line ferry strips from stdout: this prefix and the process-group id. */
  pgidMarker: string;
  /** sudo's password prompt (stripped, answered once). */
  sudoPrompt?: string;
  /** Printed on stderr once sudo has started the command; stdin is written after it. */
  readyMarker?: string;
  /** Written to stdin before the step's own stdin: the `export` lines for `env`. */
  preamble: string;
}

/**
 * Build the remote command around a step's `run`:
 *
 * - `exec /bin/sh -c '…'` keeps the process id of the session's login shell, which sshd made
 *   a session and process-group leader; the wrapper prints that id first so an abort can run
 *   `kill -TERM -<pgid>` from a second channel. (OpenSSH ignores the SSH `signal` request
 *   in many versions, and closing the channel leaves the command running.)
 * - `env` values travel on stdin (read by `dd` to the exact byte count, then `eval`ed as
 *   quoted `export`s), not in the command line, so `ps` on the target never shows them and the
 *   server's `AcceptEnv` does not matter. With a PTY, stdin is a terminal, so the exports go
 *   inline instead (documented: avoid secrets in `env` together with `pty`).
 * - sudo runs `/bin/sh -c` as the target user; with a password, sudo reads it from stdin after
 *   printing a random prompt that ferry answers exactly once.
 */
export function wrapCommand(input: WrapInput): Wrapped {
  const pgidMarker = `__ferry_${input.nonce}_pgid=`;
  const exports = Object.entries(input.env ?? {})
    .map(([name, value]) => `export ${name}=${shellQuote(value)}\n`)
    .join("");
  let preamble = "";
  let inner = input.command;
  if (exports) {
    if (input.pty) {
      inner = `${exports}${inner}`;
    } else {
      preamble = exports;
      inner = `eval "$(dd bs=1 count=${Buffer.byteLength(exports)} 2>/dev/null)"\n${inner}`;
    }
  }
  let readyMarker: string | undefined;
  let sudoPrompt: string | undefined;
  let body: string;
  if (input.sudo) {
    readyMarker = `__ferry_${input.nonce}_ready`;
    const started = `printf '%s\\n' ${readyMarker} >&2\n${inner}`;
    if (input.sudo === "password") {
      sudoPrompt = `[ferry-sudo-${input.nonce}]`;
      body = `exec sudo -S -p ${shellQuote(sudoPrompt)} -- /bin/sh -c ${shellQuote(started)}`;
    } else {
      body = `exec sudo -n -- /bin/sh -c ${shellQuote(started)}`;
    }
  } else {
    body = inner;
  }
  const outer = `printf '%s%s\\n' ${pgidMarker} "$$"\n${body}`;
  return { remote: `exec /bin/sh -c ${shellQuote(outer)}`, pgidMarker, sudoPrompt, readyMarker, preamble };
}
