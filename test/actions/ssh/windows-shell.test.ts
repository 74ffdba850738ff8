/**
 * Windows hosts: what ferry sends for PowerShell and cmd steps, checked byte for byte. The
 * unit half decodes every layer (PowerShell single-quoted literals, the UTF-16LE base64 of
 * `-EncodedCommand`, the env block, Microsoft C runtime argument splitting) and compares with
 * the hostile values that went in. The integration half runs a real OpenSSH sshd on loopback
 * whose ForceCommand is a recorder: it keeps the exec request and stdin exactly as they
 * arrived, and the test decodes and compares those bytes.
 * (No PowerShell runs here: pwsh is not installable from the npm registry or Debian; see docs/ssh.md.)
 */
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { argvEscape, CmdScanner } from "../../../src/actions/shell/cmd.js";
import { quoterFor, shellFor } from "../../../src/actions/shell/index.js";
import { decodeCommand, encodeCommand, envBlock, psQuote, PowerShellScanner, windowsKillScript, windowsProbeScript } from "../../../src/actions/shell/powershell.js";
import { createSshActions } from "../../../src/actions/ssh/index.js";
import type { SshActions } from "../../../src/actions/ssh/index.js";
import { execOnHost } from "../../../src/actions/ssh/exec.js";
import { wrapCommand } from "../../../src/actions/ssh/wrapper.js";
import { windowsDisplayPath, windowsSftpPath } from "../../../src/actions/ssh/windows-path.js";
import { resolveEndpoint } from "../../../src/actions/ssh/endpoint.js";
import { SshClientConfig } from "../../../src/actions/ssh/ssh-config.js";
import { renderSpec, SecretValue, TemplateError } from "../../../src/engine/render.js";
import type { Host } from "../../../src/model/estate.js";
import { makeClientKey, sshdMissingReason, startSshd } from "../../harness/sshd.js";
import type { Sshd } from "../../harness/sshd.js";
import { knownHostsFile, makeCtx, projectDir, removeTempDirs, tempDir } from "./helpers.js";

/** Values that break naive quoting in sh, PowerShell or cmd. */
const HOSTILE = [
  "it's",
  "O\u2019Brien \u2018quoted\u2019 \u201Aand\u201B",
  "$(Remove-Item -Recurse C:\\) `whoami` $env:PATH",
  '"; Stop-Computer; "',
  "a'; Stop-Computer; '",
  "line1\nline2\r\n# not a comment",
  "-Force",
  "100% !PATH! ^& | < > &&",
  "C:\\trailing\\",
  "\\\\server\\share\\",
  "\u202Eevil\u202C \u{1F600} caf\u00E9",
  "@'\nhere\n'@",
  "",
];

/** PowerShell's reading of a single-quoted string token at the start of `text`: [value, rest]. */
function readPsSingle(text: string): [string, string] {
  const q = "'\u2018\u2019\u201A\u201B";
  expect(q.includes(text[0]!)).toBe(true);
  let out = "";
  for (let i = 1; i < text.length; i++) {
    const c = text[i]!;
    if (q.includes(c)) {
      if (i + 1 < text.length && q.includes(text[i + 1]!)) {
        out += text[i + 1];
        i++;
        continue;
      }
      return [out, text.slice(i + 1)];
    }
    out += c;
  }
  throw new Error("unterminated PowerShell string");
}

/** PowerShell's reading of the inside of a double-quoted string with backtick escapes (no `$`). */
function readPsDoubleInside(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "`") {
      out += text[++i];
      continue;
    }
    expect("$\"\u201C\u201D\u201E".includes(c)).toBe(false);
    out += c;
  }
  return out;
}

/** CommandLineToArgvW / MSVCRT splitting of one `"…"` argument. */
function readArgvQuoted(arg: string): string {
  expect(arg.startsWith('"') && arg.endsWith('"')).toBe(true);
  const s = arg.slice(1);
  let out = "";
  for (let i = 0; i < s.length; ) {
    let bs = 0;
    while (s[i] === "\\") {
      bs++;
      i++;
    }
    if (s[i] === '"') {
      out += "\\".repeat(Math.floor(bs / 2));
      if (bs % 2 === 1) {
        out += '"';
        i++;
        continue;
      }
      expect(i).toBe(s.length - 1); // the closing quote, and only there
      return out;
    }
    out += "\\".repeat(bs);
    if (i < s.length) out += s[i++];
  }
  throw new Error("no closing quote");
}

describe("shell choice from the host's os", () => {
  it("windows → PowerShell (or cmd when asked), linux/appliance → sh, network-device → its CLI", () => {
    expect(shellFor("windows", undefined)).toBe("powershell");
    expect(shellFor("windows", "cmd")).toBe("cmd");
    expect(shellFor("linux", undefined)).toBe("sh");
    expect(shellFor("appliance", undefined)).toBe("sh");
    expect(shellFor("network-device", undefined)).toBe("device");
    expect(shellFor(undefined, undefined)).toBe("sh");
    expect(() => shellFor("windows", "sh", "dc01")).toThrow(/shell: sh on dc01, a Windows host/);
    expect(() => shellFor("linux", "powershell", "app01")).toThrow(/shell: powershell on app01/);
    expect(() => shellFor("network-device", "sh", "sw01")).toThrow(/network device/);
  });
});

describe("PowerShell quoting", () => {
  it.each(HOSTILE)("psQuote(%j) reads back as the value itself", (v) => {
    const [back, rest] = readPsSingle(psQuote(v));
    expect(back).toBe(v);
    expect(rest).toBe("");
  });

  it("doubles every character PowerShell takes for a single quote, and nothing else", () => {
    expect(psQuote("it's")).toBe("'it''s'");
    expect(psQuote("O\u2019B")).toBe("'O\u2019\u2019B'");
    expect(psQuote("$x `y` \"z\"")).toBe("'$x `y` \"z\"'");
    expect(() => psQuote("a\0b")).toThrow(/NUL/);
  });

  it("quotes for the place a value lands: code, inside '…', inside \"…\" (and its $( )), never in a comment or here-string", () => {
    const at = (before: string, v: string, after = "") => {
      const s = new PowerShellScanner();
      s.text(before);
      const out = s.value(v);
      s.text(after);
      return out;
    };
    for (const v of HOSTILE) {
      expect(readPsSingle(at("Get-Item -Name ", v))[0]).toBe(v);
      expect(readPsSingle(`'${at("Write-Output 'pre-", v)}'`)[0]).toBe(v);
      expect(readPsDoubleInside(at('Write-Output "pre-', v))).toBe(v);
      expect(readPsSingle(at('Write-Output "$(Get-Item ', v))[0]).toBe(v);
    }
    expect(at("'a''b' + ", "x")).toBe("'x'"); // a doubled quote does not open a string
    expect(at("'a'", "x")).toBe("'x'");
    expect(at('"a`"b" + ', "x")).toBe("'x'");
    expect(() => at("# note ", "x")).toThrow(/comment/);
    expect(() => at("<# note ", "x")).toThrow(/comment/);
    expect(at("<# note #> Get-Item ", "x")).toBe("'x'");
    expect(at("# note\nGet-Item ", "x")).toBe("'x'");
    expect(() => at("$t = @'\nsome ", "x")).toThrow(/here-string/);
    expect(() => at('$t = @"\nsome ', "x")).toThrow(/here-string/);
    expect(at("$t = @'\nsome\n'@\nGet-Item ", "x")).toBe("'x'");
  });

  it("reads a secret from the environment as ${env:NAME}, and refuses one inside '…'", () => {
    const s = new PowerShellScanner();
    s.text("Connect -Password ");
    expect(s.envRef("FERRY_SECRET_PW")).toBe("${env:FERRY_SECRET_PW}");
    const t = new PowerShellScanner();
    t.text("Write-Output 'x");
    expect(() => t.envRef("FERRY_SECRET_PW")).toThrow(/single-quoted/);
  });

  it("-EncodedCommand is UTF-16LE base64 of the script", () => {
    const script = "Write-Output 'caf\u00E9 \u{1F600}'";
    expect(encodeCommand(script)).toBe(Buffer.from(script, "utf16le").toString("base64"));
    expect(decodeCommand(encodeCommand(script))).toBe(script);
    expect(encodeCommand(script)).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });
});

describe("cmd quoting", () => {
  it.each(HOSTILE.filter((v) => !/[\r\n]/.test(v)))("%j travels in an environment variable and reaches the program as one argument", (v) => {
    const s = new CmdScanner();
    s.text("robocopy ");
    const ref = s.value(v);
    expect(ref).toBe('"!FERRY_V1!"');
    // cmd expands !FERRY_V1! after parsing and never re-reads it: the program sees "<escaped>".
    expect(readArgvQuoted(`"${s.env.FERRY_V1}"`)).toBe(v);
  });

  it("refuses a value inside the script's own quotes and a line break", () => {
    const s = new CmdScanner();
    s.text('echo "pre-');
    expect(() => s.value("x")).toThrow(/inside "…"/);
    expect(() => argvEscape("a\nb")).toThrow(/line break/);
  });
});

describe("network device values", () => {
  it("passes plain words and refuses anything a CLI could read as more, and secrets", () => {
    const q = quoterFor("device");
    expect(q.value("Gi0/1")).toBe("Gi0/1");
    expect(q.value("10.1.4.0/24")).toBe("10.1.4.0/24");
    expect(() => q.value("x ; reload")).toThrow(/no quoting/);
    expect(() => q.value("a|b")).toThrow(/no quoting/);
    expect(() => q.secret("FERRY_SECRET_X", "v")).toThrow(/secret/);
  });
});

const win = (id: string): Host => ({ id, site: "lab", address: "127.0.0.1", os: "windows" });
const scopeFor = (values: Record<string, unknown>, hosts: Host[]) => {
  const byId = new Map(hosts.map((h) => [h.id, h.os]));
  return { values, visibleSteps: new Set<string>(), hostOs: (id: string) => byId.get(id) };
};

describe("rendering an ssh step for its host's shell", () => {
  it("quotes every hostile value as a PowerShell literal on a Windows host, and as sh on Linux", () => {
    for (const v of HOSTILE) {
      const scope = scopeFor({ name: v, dc: win("dc01") }, [win("dc01"), { ...win("app01"), os: "linux" }]);
      const r = renderSpec("ssh", { host: "{{ dc.id }}", run: "Get-BrokerApplication -Name {{ name }} -ErrorAction Stop" }, scope);
      const run = (r.spec as { run: string }).run;
      expect(run.startsWith("Get-BrokerApplication -Name ")).toBe(true);
      const [back, rest] = readPsSingle(run.slice("Get-BrokerApplication -Name ".length));
      expect(back).toBe(v);
      expect(rest).toBe(" -ErrorAction Stop");
      const onLinux = renderSpec("ssh", { host: "app01", run: "echo {{ name }}" }, scope);
      expect((onLinux.spec as { run: string }).run).toBe(`echo '${v.replaceAll("'", "'\\''")}'`);
    }
  });

  it("passes a secret by environment: ${env:FERRY_SECRET_…} on PowerShell, \"!FERRY_SECRET_…!\" on cmd", () => {
    const scope = scopeFor({ pw: new SecretValue("pw", "s3cr'et\"") }, [win("dc01")]);
    const ps = renderSpec("ssh", { host: "dc01", run: "Connect -Password {{ pw }}" }, scope);
    expect(ps.spec).toMatchObject({ run: "Connect -Password ${env:FERRY_SECRET_PW}", env: { FERRY_SECRET_PW: "s3cr'et\"" } });
    const cmd = renderSpec("ssh", { host: "dc01", shell: "cmd", run: "net use x: \\\\fs\\s {{ pw }} && echo {{ pw }}" }, scope);
    expect((cmd.spec as { run: string }).run).toBe('net use x: \\\\fs\\s "!FERRY_SECRET_PW!" && echo "!FERRY_SECRET_PW!"');
    expect(readArgvQuoted(`"${(cmd.spec as unknown as { env: Record<string, string> }).env.FERRY_SECRET_PW}"`)).toBe("s3cr'et\"");
  });

  it("refuses sudo, and a shell the host has not, before anything runs", () => {
    const scope = scopeFor({}, [win("dc01"), { id: "sw01", site: "lab", address: "10.0.0.1", os: "network-device" }]);
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const sudo = err(() => renderSpec("ssh", { host: "dc01", run: "whoami", sudo: true }, scope));
    expect(sudo).toBeInstanceOf(TemplateError);
    expect(sudo).toMatchObject({ code: "invalid-spec" });
    expect((sudo as Error).message).toMatch(/sudo on dc01, a Windows host/);
    expect(err(() => renderSpec("ssh", { host: "dc01", shell: "sh", run: "ls" }, scope))).toMatchObject({ code: "invalid-spec" });
    expect(err(() => renderSpec("ssh", { host: "sw01", run: "show {{ x }}" }, { ...scope, values: { x: "run; reload" } }))).toBeInstanceOf(TemplateError);
  });

  it("renders every ssh step of the bundled Windows runbooks with hostile values, each a literal", async () => {
    for (const file of ["runbooks/citrix-to-avd.yaml", "runbooks/file-share.yaml"]) {
      const rb = parseYaml(await readFile(file, "utf8")) as { steps: Record<string, unknown>[]; precheck: Record<string, unknown>[]; verify: Record<string, unknown>[] };
      const hostile = "x'; Stop-Computer; \"$(y)\" \u2019";
      const host = { ...win("w1"), id: "w1" };
      const values = {
        citrixController: host,
        targetHost: host,
        source: host,
        citrixAppName: hostile,
        sourceShare: hostile,
        shareName: hostile,
        targetPath: hostile,
        dfsPath: hostile,
        shareGroup: hostile,
      };
      const scope = scopeFor(values, [host]);
      const entries = [...rb.precheck, ...rb.steps, ...rb.verify].flatMap((s) => [s, s.check, s.rollback]).filter((s): s is Record<string, unknown> => !!s && typeof s === "object" && "ssh" in s);
      expect(entries.length).toBeGreaterThan(4);
      for (const e of entries) {
        const { spec } = renderSpec("ssh", e.ssh, scope);
        const run = (spec as { run: string }).run;
        // The value appears only as its PowerShell literal.
        expect(run.split(psQuote(hostile)).join("")).not.toContain("Stop-Computer");
      }
    }
  });
});

describe("Windows paths for copy", () => {
  it("spells drive paths as the SFTP server takes them, and refuses UNC paths", () => {
    expect(windowsSftpPath("C:\\Data\\app.conf", "to")).toBe("/C:/Data/app.conf");
    expect(windowsSftpPath("c:/Data/x", "to")).toBe("/C:/Data/x");
    expect(windowsSftpPath("/D:/x", "to")).toBe("/D:/x");
    expect(windowsSftpPath("D:", "to")).toBe("/D:/");
    expect(windowsSftpPath("staging\\a.txt", "to")).toBe("staging/a.txt");
    expect(() => windowsSftpPath("\\\\fs01\\share\\x", "to")).toThrow(/UNC/);
    expect(windowsDisplayPath("/C:/Data/app.conf")).toBe("C:\\Data\\app.conf");
  });
});

describe("the Windows wrapper", () => {
  it("refuses sudo and pty on a Windows host with what to do instead", () => {
    expect(() => wrapCommand({ command: "whoami", nonce: "n", shell: "powershell", sudo: "nopass" })).toThrow(/no sudo over OpenSSH/);
    expect(() => wrapCommand({ command: "whoami", nonce: "n", shell: "powershell", pty: true })).toThrow(/pty/);
    expect(() => wrapCommand({ command: "x".repeat(20_000), nonce: "n", shell: "powershell" })).toThrow(/too long/);
  });

  it("holds the step as one literal, the gate, and the process-tree scripts keyed by PID and start time", () => {
    const w = wrapCommand({ command: HOSTILE.join("\n"), nonce: "abc", shell: "powershell", gate: { idMarker: "__ferry_abc_id=", token: "__ferry_abc_go" } });
    const script = decodeCommand(w.remote.split(" ").at(-1)!);
    const at = script.indexOf("[ScriptBlock]::Create(") + "[ScriptBlock]::Create(".length;
    expect(readPsSingle(script.slice(at))[0]).toBe(HOSTILE.join("\n"));
    expect(script).toContain("if ($__f_c -lt 0) { exit 125 }");
    expect(script).toContain("-ne '__ferry_abc_go') { exit 125 }");
    const kill = windowsKillScript({ pgid: 4242, start: "638000000000000000" });
    expect(kill).toContain("$__f_root = 4242; $__f_start = [long]638000000000000000");
    expect(kill).toContain("Stop-Process -Id $__f_id -Force");
    expect(windowsProbeScript({ pgid: 7, start: "1; Stop-Computer" })).toContain("[long]0"); // only digits are taken
  });
});

const missing = sshdMissingReason();

describe.skipIf(missing)(`bytes on the wire to a Windows host, through a real sshd whose command is a recorder${missing ? ` (skipped: ${missing})` : ""}`, () => {
  let sshd: Sshd;
  let actions: SshActions;
  let rec: string;

  beforeAll(async () => {
    rec = tempDir("ferry-rec-");
    chmodSync(rec, 0o777);
    const recorder = join(rec, "recorder.sh");
    // Keep the exec request and stdin exactly; answer like the wrapper's first line would.
    writeFileSync(
      recorder,
      `#!/bin/sh\nprintf '%s' "$SSH_ORIGINAL_COMMAND" > ${rec}/command\ncat > ${rec}/stdin\necho recorded\nexit 7\n`,
      { mode: 0o755 },
    );
    const key = makeClientKey(tempDir("ferry-key-"));
    sshd = await startSshd({ authorizedKeys: [key.publicKey], extraConfig: [`ForceCommand ${recorder}`] });
    actions = createSshActions({ projectDir: projectDir(), knownHostsFiles: [knownHostsFile(sshd.knownHostsLines)], sshConfigPath: false, agent: false, identityFiles: [key.privateKeyPath] });
  });
  afterAll(async () => {
    await actions?.close();
    await sshd?.stop();
    removeTempDirs();
  });

  const host = (): Host => ({ id: "dc01", site: "lab", address: "127.0.0.1", os: "windows", ssh: { user: sshd.user, port: sshd.port } });

  it("sends powershell.exe -EncodedCommand with the step as one literal, and env only on stdin", async () => {
    const env = { FERRY_SECRET_PW: HOSTILE.join("|"), APP_NAME: "it's \u2019 $(x)" };
    const run = `Get-BrokerApplication -Name ${psQuote(HOSTILE[2]!)}; exit 3`;
    const out = await actions.ssh.run(makeCtx([host()]), { host: "dc01", run, env, stdin: "line for the step\n", expectExit: 7 });
    expect(out).toMatchObject({ exitCode: 7, stdout: "recorded" });
    const command = readFileSync(join(rec, "command"));
    const text = command.toString("utf8");
    const m = /^powershell\.exe -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -OutputFormat Text -EncodedCommand ([A-Za-z0-9+/]+=*)$/.exec(text);
    expect(m).not.toBeNull();
    const script = decodeCommand(m![1]!);
    // Exactly what the wrapper builds for this nonce, byte for byte.
    const nonce = /__ferry_([0-9a-f]+)_pgid=/.exec(script)![1]!;
    const expected = wrapCommand({ command: run, env, nonce, shell: "powershell" });
    expect(command.equals(Buffer.from(expected.remote))).toBe(true);
    // The step reads back as itself; no env value is on the command line.
    const at = script.indexOf("[ScriptBlock]::Create(") + "[ScriptBlock]::Create(".length;
    expect(readPsSingle(script.slice(at))[0]).toBe(run);
    for (const v of Object.values(env)) expect(script).not.toContain(v);
    // stdin: the env block (name=base64 of UTF-8), exactly as long as the script reads, then the step's own stdin.
    const stdin = readFileSync(join(rec, "stdin"), "utf8");
    expect(stdin).toBe(envBlock(env) + "line for the step\n");
    expect(script).toContain(`(__f_read ${Buffer.byteLength(envBlock(env))})`);
    const decoded = Object.fromEntries(envBlock(env).trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), Buffer.from(l.slice(l.indexOf("=") + 1), "base64").toString("utf8")]));
    expect(decoded).toEqual(env);
  });

  it("without a gate, stdin carries the env block then the step's stdin; a cmd step's batch text is one literal", async () => {
    const ep = resolveEndpoint("dc01", {}, { host: (id) => (id === "dc01" ? host() : undefined), config: SshClientConfig.load(false), defaultUser: sshd.user });
    const batch = 'robocopy "!FERRY_V1!" "!FERRY_V2!" /MIR\nexit /b %ERRORLEVEL%';
    const r = await execOnHost(actions.pool, ep, {
      command: batch,
      shell: "cmd",
      env: { FERRY_V1: argvEscape("C:\\src dir\\"), FERRY_V2: argvEscape('D:\\"odd"') },
      stdin: "typed\n",
      signal: new AbortController().signal,
      maxStdoutBytes: 4096,
      maxStderrBytes: 4096,
      killGraceMs: 500,
      what: "cmd step",
    });
    expect(r.exitCode).toBe(7);
    const script = decodeCommand(readFileSync(join(rec, "command"), "utf8").split(" ").at(-1)!);
    const at = script.indexOf("[IO.File]::WriteAllText($__f_cmd, ") + "[IO.File]::WriteAllText($__f_cmd, ".length;
    expect(readPsSingle(script.slice(at))[0]).toBe(`@echo off\r\n${batch.replace("\n", "\r\n")}\r\n`);
    expect(script).toContain("& cmd.exe /D /V:ON /C $__f_cmd");
    expect(readFileSync(join(rec, "stdin"), "utf8")).toBe(envBlock({ FERRY_V1: "C:\\src dir\\\\", FERRY_V2: 'D:\\\\\\"odd\\"' }) + "typed\n");
  });

  it("refuses sudo on the Windows host before connecting", async () => {
    const before = sshd.log().length;
    await expect(actions.ssh.run(makeCtx([host()]), { host: "dc01", run: "whoami", sudo: true })).rejects.toMatchObject({ code: "invalid-spec" });
    expect(sshd.log().slice(before)).not.toMatch(/Accepted publickey/);
  });

  it("sends a network device's command as written, with no wrapper", async () => {
    const sw: Host = { id: "sw01", site: "lab", address: "127.0.0.1", os: "network-device", ssh: { user: sshd.user, port: sshd.port } };
    const out = await actions.ssh.run(makeCtx([sw]), { host: "sw01", run: "show interfaces Gi0/1", expectExit: 7 });
    expect(out).toMatchObject({ exitCode: 7 });
    expect(readFileSync(join(rec, "command"), "utf8")).toBe("show interfaces Gi0/1");
  });
});
