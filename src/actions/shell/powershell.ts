/**
 * PowerShell for Windows hosts: quoting of template values, `-EncodedCommand` encoding, the
 * wrapper that runs a step, and the control scripts that look for or stop a step's process
 * tree. Everything here is text that runs under Windows PowerShell 5.1 (`powershell.exe`, the
 * one every Windows Server has and the one the Citrix snap-ins load in) and PowerShell 7.
 */

/** Characters PowerShell reads as a single quote: ' and the typographic ‘ ’ ‚ ‛. */
const SINGLE_QUOTES = /['\u2018\u2019\u201A\u201B]/g;
const SINGLE_QUOTE_CHARS = "'\u2018\u2019\u201A\u201B";
/** Characters PowerShell reads as a double quote: " and the typographic “ ” „. */
const DOUBLE_QUOTE_CHARS = '"\u201C\u201D\u201E';

export class PowerShellValueError extends Error {
  override name = "PowerShellValueError";
}

function refuseNul(value: string): void {
  if (value.includes("\0")) throw new PowerShellValueError("contains a NUL byte, which cannot be passed to a command");
}

/**
 * A PowerShell single-quoted string holding `value` byte for byte: every character PowerShell
 * takes for a single quote (', ‘, ’, ‚, ‛) is doubled, nothing else is special inside.
 *
 * @example psQuote("it's $(x)") === "'it''s $(x)'"
 */
export function psQuote(value: string): string {
  refuseNul(value);
  return `'${value.replace(SINGLE_QUOTES, "$&$&")}'`;
}

/** `value` as the inside of a double-quoted string: backtick before `, $ and the double quotes. */
function psEscapeInDouble(value: string): string {
  refuseNul(value);
  return value.replace(/[`$"\u201C\u201D\u201E]/g, "`$&");
}

/** UTF-16LE base64 of a script: what `powershell.exe -EncodedCommand` takes. */
export function encodeCommand(script: string): string {
  return Buffer.from(script, "utf16le").toString("base64");
}

/** The script inside an `-EncodedCommand` argument. */
export function decodeCommand(b64: string): string {
  return Buffer.from(b64, "base64").toString("utf16le");
}

/** Where a value lands in a PowerShell script, as far as quoting goes. */
type PsContext = "code" | "single" | "double" | "here-single" | "here-double" | "comment";

/**
 * Follows a PowerShell script as it is written, piece by piece, to know whether the next
 * template value falls in code, inside '…', inside "…" (and `$( … )` within it), in a here-string
 * or in a comment, so the value is quoted for that place:
 *
 * - in code: a single-quoted string (`'it''s'`);
 * - inside '…': the same doubling, without the outer quotes;
 * - inside "…": backticks before `` ` ``, `$` and double quotes, so `$(…)` in a value stays text;
 * - in a here-string or a comment: refused (no quoting exists there; a newline in a comment
 *   would start code).
 */
export class PowerShellScanner {
  private stack: { ctx: PsContext; depth: number }[] = [{ ctx: "code", depth: 0 }];
  /** Text seen but not yet consumed because it may continue in the next piece (e.g. `@'`). */
  private carry = "";

  private get top() {
    return this.stack[this.stack.length - 1]!;
  }

  /** Advance over literal script text. */
  text(piece: string): void {
    const s = this.carry + piece;
    this.carry = "";
    let i = 0;
    while (i < s.length) {
      const c = s[i]!;
      const next = s[i + 1];
      const top = this.top;
      switch (top.ctx) {
        case "code":
          if (c === "`") i++;
          else if (c === "#") top.ctx = "comment";
          else if (c === "<" && next === "#") {
            this.stack.push({ ctx: "comment", depth: -1 });
            i++;
          }
          else if (c === "@" && next !== undefined && (SINGLE_QUOTE_CHARS.includes(next) || DOUBLE_QUOTE_CHARS.includes(next))) {
            // A here-string opens only with a newline after the quote.
            const rest = s.slice(i + 2);
            if (/^[ \t]*\r?\n/.test(rest)) {
              this.stack.push({ ctx: SINGLE_QUOTE_CHARS.includes(next) ? "here-single" : "here-double", depth: 0 });
              i += 1;
            }
          } else if (SINGLE_QUOTE_CHARS.includes(c)) this.stack.push({ ctx: "single", depth: 0 });
          else if (DOUBLE_QUOTE_CHARS.includes(c)) this.stack.push({ ctx: "double", depth: 0 });
          else if (c === "(" || c === "{") top.depth++;
          else if (c === ")" || c === "}") {
            top.depth--;
            if (top.depth === 0 && this.stack.length > 1) this.stack.pop(); // end of a `$( … )` inside "…"
          }
          break;
        case "comment":
          if (top.depth === -1) {
            if (c === "#" && next === ">") {
              this.stack.pop();
              i++;
            }
          } else if (c === "\n") top.ctx = "code";
          break;
        case "single":
          if (SINGLE_QUOTE_CHARS.includes(c)) {
            if (next !== undefined && SINGLE_QUOTE_CHARS.includes(next)) i++;
            else if (next === undefined) {
              // Could be the first of a doubled quote continued in the next piece.
              this.carry = c;
              return;
            } else this.stack.pop();
          }
          break;
        case "double":
          if (c === "`") i++;
          else if (c === "$" && next === "(") {
            this.stack.push({ ctx: "code", depth: 1 });
            i++;
          } else if (DOUBLE_QUOTE_CHARS.includes(c)) {
            if (next !== undefined && DOUBLE_QUOTE_CHARS.includes(next)) i++;
            else if (next === undefined) {
              this.carry = c;
              return;
            } else this.stack.pop();
          }
          break;
        case "here-single":
        case "here-double":
          if (c === "\n" && next !== undefined && (top.ctx === "here-single" ? SINGLE_QUOTE_CHARS : DOUBLE_QUOTE_CHARS).includes(next) && s[i + 2] === "@") {
            this.stack.pop();
            i += 2;
          } else if (top.ctx === "here-double" && c === "$" && next === "(") {
            this.stack.push({ ctx: "code", depth: 1 });
            i++;
          }
          break;
      }
      i++;
    }
  }

  /** Settle text held back at the end of a piece: a value follows it. */
  private settle(): void {
    if (!this.carry) return;
    this.carry = "";
    // A lone quote right before a value closes its string.
    if (this.top.ctx === "single" || this.top.ctx === "double") this.stack.pop();
  }

  /** The text that puts `value` at the current place as exactly that value. */
  value(value: string): string {
    this.settle();
    switch (this.top.ctx) {
      case "code":
        return psQuote(value);
      case "single":
        refuseNul(value);
        return value.replace(SINGLE_QUOTES, "$&$&");
      case "double":
        return psEscapeInDouble(value);
      case "here-single":
      case "here-double":
        throw new PowerShellValueError("is inside a here-string (@'…'@ or @\"…\"@), where no quoting exists: assign the value to a variable before the here-string and use it there");
      case "comment":
        throw new PowerShellValueError("is inside a PowerShell comment, where a newline in the value would start code: take it out of the comment");
    }
  }

  /** The text that reads environment variable `name` at the current place. */
  envRef(name: string): string {
    this.settle();
    switch (this.top.ctx) {
      case "code":
      case "double":
        return `\${env:${name}}`;
      default:
        throw new PowerShellValueError("is a secret inside a single-quoted string, a here-string or a comment, where PowerShell reads no variable: put it outside the quotes");
    }
  }
}

/** Flags before `-EncodedCommand`: no profile, no prompt, plain text out. */
export const POWERSHELL_FLAGS = "-NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -OutputFormat Text";

/** The exec request for a script: the same under cmd.exe or PowerShell as the server's DefaultShell. */
export function powershellCommand(script: string, exe = "powershell.exe"): string {
  return `${exe} ${POWERSHELL_FLAGS} -EncodedCommand ${encodeCommand(script)}`;
}

/**
 * Longest exec request ferry sends to a Windows host: CreateProcess takes 32,767 characters.
 * (With cmd.exe as the server's DefaultShell the limit is cmd's 8,191; see docs/ssh.md.)
 */
export const MAX_WINDOWS_COMMAND = 32_000;

/** `name=base64(utf-8 value)` lines: the env block a Windows wrapper reads from stdin. */
export function envBlock(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([name, value]) => `${name}=${Buffer.from(value, "utf8").toString("base64")}\n`)
    .join("");
}

/** Reads `n` bytes of stdin exactly (never more: the rest is the step's own stdin). */
const READ_EXACT = [
  "$__f_in = [Console]::OpenStandardInput()",
  "function __f_read([int]$n) { $b = New-Object byte[] $n; $o = 0; while ($o -lt $n) { $r = $__f_in.Read($b, $o, $n - $o); if ($r -le 0) { exit 125 }; $o += $r }; ,$b }",
];

export interface PowerShellWrapInput {
  /** The step as PowerShell (`powershell`) or as a cmd batch (`cmd`). */
  command: string;
  shell: "powershell" | "cmd";
  env?: Record<string, string>;
  nonce: string;
  /** Print the id line and wait for the go line on stdin before the step runs (see exec.ts). */
  gate?: { idMarker: string; token: string };
}

/**
 * The script `powershell.exe -EncodedCommand` runs for a step:
 *
 * 1. parse the step first (a syntax error is reported, exit 1, before anything runs);
 * 2. print `<pgidMarker><PID>`: the process whose tree a timeout stops;
 * 3. read the env block (exact byte count, on stdin) into the process environment, so values
 *    are never on a command line;
 * 4. with a gate: print `<idMarker> <start> <PID>` (start: the process's start time in UTC
 *    ticks, which tells a reused PID apart) and run only after the go line arrives; EOF or
 *    another line exits 125 without running anything;
 * 5. run the step with `$ErrorActionPreference = 'Stop'`: `exit N` gives N, an error gives 1
 *    (its message on stderr), reaching the end gives `$LASTEXITCODE` (0 when no program ran),
 *    the convention of GitHub Actions' `shell: powershell`. A cmd step is written to a
 *    temporary `.cmd` file and run with `cmd.exe /D /V:ON /C` (delayed expansion: values are
 *    `"!FERRY_V1!"`), its exit status passed through, and the file removed.
 */
export function powershellWrapper(input: PowerShellWrapInput): { script: string; pgidMarker: string; preamble: string } {
  const pgidMarker = `__ferry_${input.nonce}_pgid=`;
  const preamble = envBlock(input.env ?? {});
  const lines: string[] = [
    "$ErrorActionPreference = 'Stop'",
    "$ProgressPreference = 'SilentlyContinue'",
    "try { [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false } catch { }",
    "$OutputEncoding = New-Object System.Text.UTF8Encoding $false",
  ];
  if (input.shell === "powershell") {
    lines.push(
      `try { $__f_step = [ScriptBlock]::Create(${psQuote(input.command)}) } catch { [Console]::Error.WriteLine('ferry: the step is not valid PowerShell: ' + $_.Exception.Message); exit 1 }`,
    );
  }
  lines.push(`[Console]::Out.Write(${psQuote(pgidMarker)} + $PID + "\`n")`);
  if (preamble || input.gate) lines.push(...READ_EXACT);
  if (preamble) {
    lines.push(
      `foreach ($__f_l in [Text.Encoding]::ASCII.GetString((__f_read ${Buffer.byteLength(preamble)})).Split("\`n")) { if ($__f_l) { $__f_i = $__f_l.IndexOf('='); [Environment]::SetEnvironmentVariable($__f_l.Substring(0, $__f_i), [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($__f_l.Substring($__f_i + 1))), 'Process') } }`,
    );
  }
  if (input.gate) {
    lines.push(
      `[Console]::Out.Write(${psQuote(input.gate.idMarker)} + ' ' + (Get-Process -Id $PID).StartTime.ToUniversalTime().Ticks + ' ' + $PID + "\`n")`,
      "$__f_go = New-Object System.Collections.Generic.List[byte]",
      "while ($true) { $__f_c = $__f_in.ReadByte(); if ($__f_c -lt 0) { exit 125 }; if ($__f_c -eq 10) { break }; $__f_go.Add([byte]$__f_c); if ($__f_go.Count -gt 200) { exit 125 } }",
      `if ([Text.Encoding]::ASCII.GetString($__f_go.ToArray()).TrimEnd("\`r") -ne ${psQuote(input.gate.token)}) { exit 125 }`,
    );
  }
  lines.push("$global:LASTEXITCODE = 0");
  if (input.shell === "powershell") {
    lines.push(
      "try { . $__f_step } catch { [Console]::Error.WriteLine(($_ | Out-String).TrimEnd()); exit 1 }",
      "if ($global:LASTEXITCODE -is [int]) { exit $global:LASTEXITCODE }",
      "exit 0",
    );
  } else {
    lines.push(
      `$__f_cmd = Join-Path ([IO.Path]::GetTempPath()) ${psQuote(`ferry-${input.nonce}.cmd`)}`,
      `[IO.File]::WriteAllText($__f_cmd, ${psQuote(`@echo off\r\n${input.command.replace(/\r?\n/g, "\r\n")}\r\n`)}, [Text.Encoding]::GetEncoding([Globalization.CultureInfo]::CurrentCulture.TextInfo.OEMCodePage))`,
      "try { & cmd.exe /D /V:ON /C $__f_cmd; $__f_rc = $LASTEXITCODE } catch { [Console]::Error.WriteLine($_.Exception.Message); $__f_rc = 1 } finally { Remove-Item -LiteralPath $__f_cmd -Force -ErrorAction SilentlyContinue }",
      "exit $__f_rc",
    );
  }
  return { script: lines.join("\n") + "\n", pgidMarker, preamble };
}

/** A process ferry started on a Windows host, as journalled: its PID and start time (UTC ticks). */
export interface WindowsProcess {
  pgid: number;
  start?: string;
}

/**
 * Lines that set `$__f_tree` to the PIDs of the process and everything it started, deepest
 * first. Windows keeps a process's parent PID after the parent exits, so children of an ended
 * step are still found; a child created before its supposed parent is a reused PID and is left
 * out. Win32_Process (CIM) on Windows; `Get-Process`'s `Parent` on PowerShell 7 elsewhere.
 */
function treeLines(p: WindowsProcess): string[] {
  const start = p.start && /^\d+$/.test(p.start) ? p.start : "0";
  return [
    `$__f_root = ${Math.trunc(p.pgid)}; $__f_start = [long]${start}`,
    "if (Get-Command Get-CimInstance -ErrorAction SilentlyContinue) { $__f_all = @(Get-CimInstance Win32_Process | ForEach-Object { [pscustomobject]@{ Id = [int]$_.ProcessId; Parent = [int]$_.ParentProcessId; Start = $_.CreationDate.ToUniversalTime().Ticks } }) }",
    "else { $__f_all = @(Get-Process | ForEach-Object { [pscustomobject]@{ Id = $_.Id; Parent = $(if ($_.Parent) { $_.Parent.Id } else { -1 }); Start = $(try { $_.StartTime.ToUniversalTime().Ticks } catch { 0 }) } }) }",
    "$__f_me = $__f_all | Where-Object { $_.Id -eq $__f_root }",
    // The root is the step only if it started when the journal says (a PID is reused quickly on Windows).
    "$__f_rootStart = if ($__f_me -and ($__f_start -eq 0 -or [math]::Abs($__f_me.Start - $__f_start) -lt 10000000)) { $__f_me.Start } elseif ($__f_start -ne 0) { $__f_start } else { -1 }",
    "$__f_tree = New-Object System.Collections.Generic.List[int]",
    "if ($__f_me -and $__f_rootStart -ne -1 -and $__f_me.Start -eq $__f_rootStart) { $__f_tree.Add($__f_root) }",
    "$__f_queue = New-Object System.Collections.Generic.Queue[object]; if ($__f_rootStart -ne -1) { $__f_queue.Enqueue(@($__f_root, $__f_rootStart)) }",
    "while ($__f_queue.Count -gt 0) { $__f_q = $__f_queue.Dequeue(); foreach ($__f_c in $__f_all) { if ($__f_c.Parent -eq $__f_q[0] -and $__f_c.Id -ne $__f_q[0] -and $__f_c.Start -ge $__f_q[1] -and -not $__f_tree.Contains($__f_c.Id)) { $__f_tree.Insert(0, $__f_c.Id); $__f_queue.Enqueue(@($__f_c.Id, $__f_c.Start)) } } }",
  ];
}

/** Script printing `alive` while the step's process or anything it started runs, else `gone`. */
export function windowsProbeScript(p: WindowsProcess): string {
  return [...treeLines(p), "if ($__f_tree.Count -gt 0) { 'alive' } else { 'gone' }"].join("\n") + "\n";
}

/**
 * Script that stops the step's whole process tree with `Stop-Process -Force`
 * (TerminateProcess: Windows has no SIGTERM for a console program in another session, so
 * there is no graceful stage). Prints `No such process` and exits 1 when nothing is left.
 */
export function windowsKillScript(p: WindowsProcess): string {
  return [
    ...treeLines(p),
    "if ($__f_tree.Count -eq 0) { [Console]::Out.WriteLine('No such process'); exit 1 }",
    "$__f_n = 0; foreach ($__f_id in $__f_tree) { try { Stop-Process -Id $__f_id -Force -ErrorAction Stop; $__f_n++ } catch { } }",
    "[Console]::Out.WriteLine('stopped ' + $__f_n + ' of ' + $__f_tree.Count + ' process(es)')",
    "exit 0",
  ].join("\n") + "\n";
}
