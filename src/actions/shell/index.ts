/**
 * Which shell a step's command runs in on its host, and how template values are quoted for it.
 * The host's `os` decides (`windows` → PowerShell, or cmd where the step says `shell: cmd`;
 * `linux`/`appliance` → POSIX sh; `network-device` → the device's own CLI, with no wrapper);
 * rendering (engine/render.ts) and the ssh action use the same choice, so a value is always
 * quoted for the shell that reads it.
 */
import { shellQuote, UnsafeValueError } from "../shell-quote.js";
import { CmdScanner, CmdValueError } from "./cmd.js";
import { PowerShellScanner, PowerShellValueError } from "./powershell.js";

/** The shell that reads a step's `run`. `device`: the text goes to a network device's CLI as is. */
export type ShellKind = "sh" | "powershell" | "cmd" | "device";
/** What a step may ask for with `shell:`. */
export type ShellOverride = "sh" | "powershell" | "cmd";
type Os = "linux" | "windows" | "appliance" | "network-device";

/** A step asks for a shell its host cannot give, or uses what that shell cannot do. */
export class ShellChoiceError extends Error {
  override name = "ShellChoiceError";
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/**
 * The shell for a step on a host with `os` (undefined: not in the estate; sh, as before, and
 * the connection will say the host is unknown). Throws ShellChoiceError for a shell the host
 * has not: `sh` on Windows, PowerShell or cmd on a Linux host, any shell on a network device.
 */
export function shellFor(os: Os | undefined, override: ShellOverride | undefined, host = "the host"): ShellKind {
  if (os === "windows") {
    if (override === "sh") throw new ShellChoiceError(`shell: sh on ${host}, a Windows host`, "Windows hosts run PowerShell (the default) or `shell: cmd`; write the step for one of them.");
    return override ?? "powershell";
  }
  if (os === "network-device") {
    if (override) throw new ShellChoiceError(`shell: ${override} on ${host}, a network device`, "A network device's command goes to its own CLI as written; remove `shell:`.");
    return "device";
  }
  if (override === "powershell" || override === "cmd") {
    throw new ShellChoiceError(`shell: ${override} on ${host}, a ${os ?? "non-Windows"} host`, "PowerShell and cmd steps run on hosts with `os: windows`; a Linux host's steps are POSIX sh.");
  }
  return "sh";
}

/** Characters a device CLI value may hold: no spaces, quotes, separators or control characters. */
const DEVICE_SAFE = /^[A-Za-z0-9._:/@+,=%-]+$/;

/** A value's text in a command, for one shell, following the command as it is written. */
export interface ValueQuoter {
  /** Advance over literal command text. */
  text(piece: string): void;
  /** The text that stands for `value`: exactly that value, one argument. */
  value(value: string): string;
  /** The text that reads a secret from environment variable `name` (holding `value`). */
  secret(name: string, value: string): string;
  /** Environment the command needs besides the secrets (cmd: every value). */
  env(): Record<string, string>;
}

/**
 * A quoter for one command. Errors are thrown as UnsafeValueError with a message that begins
 * after the value's name (`{{ x }} <message>`).
 */
export function quoterFor(shell: ShellKind): ValueQuoter {
  const wrap = <T>(f: () => T): T => {
    try {
      return f();
    } catch (err) {
      if (err instanceof PowerShellValueError || err instanceof CmdValueError) throw new UnsafeValueError(err.message);
      throw err;
    }
  };
  switch (shell) {
    case "sh":
      return { text: () => {}, value: (v) => shellQuote(v), secret: (name) => `"$${name}"`, env: () => ({}) };
    case "powershell": {
      const s = new PowerShellScanner();
      return { text: (t) => s.text(t), value: (v) => wrap(() => s.value(v)), secret: (name) => wrap(() => s.envRef(name)), env: () => ({}) };
    }
    case "cmd": {
      const s = new CmdScanner();
      return { text: (t) => s.text(t), value: (v) => wrap(() => s.value(v)), secret: (name, v) => wrap(() => s.envRef(name, v)), env: () => ({ ...s.env }) };
    }
    case "device":
      return {
        text: () => {},
        value: (v) => {
          if (!DEVICE_SAFE.test(v)) throw new UnsafeValueError(`cannot be quoted for a network device's CLI, which has no quoting: only letters, digits and . _ : / @ + , = % - are passed (got ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)})`);
          return v;
        },
        secret: () => {
          throw new UnsafeValueError("is a secret, and a network device's CLI has no environment to pass it in without showing it in the command");
        },
        env: () => ({}),
      };
  }
}
