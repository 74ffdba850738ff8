import { invalidSpec } from "../invalid-spec.js";
import { shellQuote } from "../shell-quote.js";
import type { ShellKind } from "../shell/index.js";
import { MAX_WINDOWS_COMMAND, powershellCommand, powershellWrapper } from "../shell/powershell.js";

export interface WrapInput {
  /** The step's shell command, already rendered (template values quoted by the engine). */
  command: string;
  env?: Record<string, string>;
  /** `password`: `sudo -S` fed from stdin on its prompt; `nopass`: `sudo -n`. */
  sudo?: "password" | "nopass";
  pty?: boolean;
  /** Random per execution, so output can never forge ferry's markers by accident. */
  nonce: string;
  /** The shell that reads `command` (from the host's `os` and the step's `shell:`). @default "sh" */
  shell?: ShellKind;
  /**
   * PowerShell and cmd only: print the id line and wait for the go line before the step runs.
   * (For sh, exec.ts puts its own gate in front of the command.)
   */
  gate?: { idMarker: string; token: string };
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
  const shell = input.shell ?? "sh";
  if (shell === "powershell" || shell === "cmd") return wrapWindows({ ...input, shell });
  if (shell === "device") return wrapDevice(input);
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

/**
 * A Windows host: `powershell.exe … -EncodedCommand <UTF-16LE base64>`, which cmd.exe and
 * PowerShell (either may be the server's DefaultShell) pass on untouched, since base64 holds no
 * character either treats specially. The script is {@link powershellWrapper}'s; `env` travels
 * on stdin. There is no sudo and no PTY mode on Windows: both are refused before connecting.
 */
function wrapWindows(input: WrapInput & { shell: "powershell" | "cmd" }): Wrapped {
  if (input.sudo) {
    throw invalidSpec(
      "ssh: sudo on a Windows host: Windows has no sudo over OpenSSH",
      "Log in as an account that has the rights the step needs (the estate's ssh.user or the step's user:); an administrator's OpenSSH session on Windows is already elevated. Remove sudo.",
    );
  }
  if (input.pty) throw invalidSpec("ssh: pty on a Windows host is not supported", "Remove pty: PowerShell and cmd steps run without a terminal.");
  const w = powershellWrapper({ command: input.command, shell: input.shell, env: input.env, nonce: input.nonce, gate: input.gate });
  const remote = powershellCommand(w.script);
  if (remote.length > MAX_WINDOWS_COMMAND) {
    throw invalidSpec(
      `ssh: the step is too long for a Windows command line (${remote.length} characters encoded; at most ${MAX_WINDOWS_COMMAND})`,
      "Put the script in a file, copy it to the host with a copy step, and run it with & 'C:\\path\\script.ps1'.",
    );
  }
  return { remote, pgidMarker: w.pgidMarker, preamble: w.preamble };
}

/**
 * A network device: the command goes to the device's CLI exactly as rendered, with no wrapper
 * (a device has no shell to print a process id or read exports). Its `env` cannot be passed.
 */
function wrapDevice(input: WrapInput): Wrapped {
  if (input.sudo) throw invalidSpec("ssh: sudo on a network device", "Remove sudo: a device's CLI has its own privilege levels; log in as a user with the level the command needs.");
  if (input.env && Object.keys(input.env).length > 0) throw invalidSpec("ssh: env on a network device", "A device's CLI has no environment; remove env (and secrets) from this step.");
  return { remote: input.command, pgidMarker: `__ferry_${input.nonce}_pgid=`, preamble: "" };
}
