/**
 * Real OpenSSH servers for integration tests: each `startSshd()` runs its own
 * `sshd -D -e -f <generated config>` on 127.0.0.1 at a free high port, with generated host
 * keys, an authorized key, its log captured to a file, and is stopped by PID. The system sshd
 * service is never touched. Needs the `openssh-server` package (`/usr/sbin/sshd`); suites skip
 * with `sshdMissingReason()` when it is absent.
 */
import { skipUnlessCi } from "./missing-tool.js";
import { freePort } from "./free-port.js";
import { killOnExit } from "./kill-on-exit.js";
import { execFileSync, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

export const SSHD = process.env.FERRY_SSHD ?? "/usr/sbin/sshd";

/** Why the SSH integration suites cannot run here, or undefined when they can. */
export function sshdMissingReason(): string | undefined {
  if (!existsSync(SSHD)) return skipUnlessCi(`${SSHD} not found: install openssh-server (apt-get install -y openssh-server) to run the SSH integration tests`);
  if (!existsSync("/usr/bin/ssh-keygen")) return skipUnlessCi("ssh-keygen not found: install openssh-client");
  return undefined;
}

/** A client key pair generated for a test run. */
export interface ClientKey {
  privateKeyPath: string;
  publicKey: string;
}

/** Generate an unencrypted ed25519 client key (or encrypted with `passphrase`). */
export function makeClientKey(dir: string, passphrase = ""): ClientKey {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `client_${Math.random().toString(36).slice(2, 8)}`);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-C", "ferry-test", "-f", path]);
  return { privateKeyPath: path, publicKey: readFileSync(`${path}.pub`, "utf8").trim() };
}

export interface SshdOptions {
  /** Keys allowed to log in (OpenSSH public key lines). */
  authorizedKeys: string[];
  /** @default 10 (OpenSSH's default) */
  maxSessions?: number;
  /** @default "500" so fan-out tests are not throttled by the pre-auth limit */
  maxStartups?: string;
  /** Host key types to generate. @default ["ed25519"] */
  hostKeyTypes?: ("ed25519" | "ecdsa" | "rsa")[];
  /** Extra sshd_config lines. */
  extraConfig?: string[];
}

export interface Sshd {
  host: "127.0.0.1";
  port: number;
  /** The user tests log in as: see `loginUser()`. */
  user: string;
  dir: string;
  logFile: string;
  pid: number;
  /** `[127.0.0.1]:port type base64` lines for every host key. */
  knownHostsLines: string[];
  /** The server log so far. */
  log(): string;
  /**
   * Resolves with the log from offset `from` once a line after it matches `pattern` (sshd
   * writes its log asynchronously to the client's view, so tests await the line they need).
   * Rejects after `withinMs` with the log so far.
   */
  waitForLog(pattern: RegExp, from?: number, withinMs?: number): Promise<string>;
  /** PIDs of the sshd processes serving connections (not the listener, not the commands). */
  sessionPids(): number[];
  /** Stop the listener and every process it started (SIGKILL to leftovers), by PID. */
  stop(): Promise<void>;
}

/** Parent PID and command name of every process, from /proc. */
function processTable(): Map<number, { ppid: number; comm: string; cmdline: string }> {
  const table = new Map<number, { ppid: number; comm: string; cmdline: string }>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ").trim();
      table.set(Number(name), { ppid, comm, cmdline });
    } catch {
      /* the process exited while we looked */
    }
  }
  return table;
}

/** Every descendant of `pid`, nearest first. */
export function descendants(pid: number): { pid: number; comm: string; cmdline: string }[] {
  const table = processTable();
  const out: { pid: number; comm: string; cmdline: string }[] = [];
  const queue = [pid];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const [child, info] of table) {
      if (info.ppid === parent) {
        out.push({ pid: child, comm: info.comm, cmdline: info.cmdline });
        queue.push(child);
      }
    }
  }
  return out;
}

/** Start one sshd on a free loopback port and wait until it accepts connections. */
export async function startSshd(opts: SshdOptions): Promise<Sshd> {
  const missing = sshdMissingReason();
  if (missing) throw new Error(missing);
  const root = userInfo().uid === 0;
  // sshd started as root insists on its privilege-separation directory; create it if a clean
  // container lacks it (the system service would create the same directory).
  if (root && !existsSync("/run/sshd")) mkdirSync("/run/sshd", { mode: 0o755, recursive: true });

  const dir = mkdtempSync(join(tmpdir(), "ferry-sshd-"));
  // Other users (a sudo test user) must read authorized_keys: sshd reads it as the target user.
  chmodSync(dir, 0o755);
  const knownHostsLines: string[] = [];
  const hostKeys: string[] = [];
  for (const type of opts.hostKeyTypes ?? ["ed25519"]) {
    const path = join(dir, `ssh_host_${type}_key`);
    execFileSync("ssh-keygen", ["-q", "-t", type, ...(type === "rsa" ? ["-b", "2048"] : []), "-N", "", "-f", path]);
    hostKeys.push(path);
  }
  const authorized = join(dir, "authorized_keys");
  writeFileSync(authorized, opts.authorizedKeys.join("\n") + "\n", { mode: 0o644 });
  const logFile = join(dir, "sshd.log");
  writeFileSync(logFile, "");

  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const config = [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      ...hostKeys.map((k) => `HostKey ${k}`),
      `PidFile ${join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${authorized}`,
      "StrictModes no",
      "UsePAM no",
      root ? "PermitRootLogin yes" : "",
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "LogLevel VERBOSE",
      `MaxSessions ${opts.maxSessions ?? 10}`,
      `MaxStartups ${opts.maxStartups ?? "500"}`,
      "AllowTcpForwarding yes",
      "Subsystem sftp internal-sftp",
      ...(opts.extraConfig ?? []),
    ].join("\n");
    const configFile = join(dir, "sshd_config");
    writeFileSync(configFile, config + "\n");

    const child = spawn(SSHD, ["-D", "-e", "-f", configFile], { stdio: ["ignore", "ignore", "pipe"] });
    let logText = "";
    const listening = new Promise<boolean>((resolve) => {
      child.stderr!.on("data", (d: Buffer) => {
        logText += d.toString();
        try {
          appendFileSync(logFile, d);
        } catch {
          /* stopped: its folder is gone, and the text is still in memory */
        }
        if (logText.includes("Server listening on")) resolve(true);
      });
      child.once("exit", () => resolve(false));
    });
    const ok = await listening;
    if (!ok) {
      if (attempt < 3 && /Address already in use/.test(logText)) continue;
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`sshd did not start: ${logText.trim()}`);
    }
    for (const k of hostKeys) {
      const [type, b64] = readFileSync(`${k}.pub`, "utf8").trim().split(/\s+/);
      knownHostsLines.push(`[127.0.0.1]:${port} ${type} ${b64}`);
    }
    return makeHandle(child, port, dir, logFile, knownHostsLines, () => logText);
  }
}

function makeHandle(child: ChildProcess, port: number, dir: string, logFile: string, knownHostsLines: string[], log: () => string): Sshd {
  const pid = child.pid!;
  killOnExit(child);
  const waitForLog = (pattern: RegExp, from = 0, withinMs = 5000): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const text = log().slice(from);
        if (!pattern.test(text)) return false;
        cleanup();
        resolve(text);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`sshd log did not show ${pattern} within ${withinMs}ms:\n${log().slice(from)}`));
      }, withinMs);
      const cleanup = () => {
        clearTimeout(timer);
        child.stderr?.off("data", onData);
      };
      // Registered after the harness's own listener, so the text is already appended.
      const onData = () => void check();
      child.stderr?.on("data", onData);
      check();
    });
  return {
    waitForLog,
    host: "127.0.0.1",
    port,
    user: loginUser(),
    dir,
    logFile,
    pid,
    knownHostsLines,
    log,
    sessionPids: () => descendants(pid).filter((p) => p.comm.startsWith("sshd")).map((p) => p.pid),
    async stop() {
      const leftovers = descendants(pid);
      const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        /* already gone */
      }
      for (const p of leftovers) {
        try {
          process.kill(p.pid, "SIGKILL");
        } catch {
          /* already gone */
        }
      }
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The account tests log in as when the suite runs as root. */
export const TEST_LOGIN_USER = "ferry-ssh";
let cachedLoginUser: string | undefined;

/**
 * Run `script` under an exclusive lock: test files run in parallel workers, and two
 * `useradd`s at once fail on /etc/passwd's lock.
 */
function withAccountLock(script: string, args: string[] = []): void {
  execFileSync("flock", ["/tmp/ferry-test-accounts.lock", "sh", "-ec", script, "sh", ...args], { stdio: ["ignore", "ignore", "pipe"] });
}

/**
 * The user the test sshds log in as. Not the account running the tests when that is root:
 * root's shell startup files belong to the machine (here `~/.bashrc` runs `pyenv init`, which
 * can block for a minute on a stale lock), and sshd runs every command through the login
 * shell, which bash treats as a cue to read `~/.bashrc`. So as root the harness keeps a
 * dedicated account `ferry-ssh` with `/bin/sh` (dash reads no startup files for `-c`), a
 * home, no usable password (`*`: sshd refuses `!`-locked accounts without PAM), and a
 * NOPASSWD sudo rule for the passwordless-sudo test. Other users log in as themselves.
 */
export function loginUser(): string {
  if (cachedLoginUser) return cachedLoginUser;
  if (userInfo().uid !== 0) return (cachedLoginUser = userInfo().username);
  const name = TEST_LOGIN_USER;
  withAccountLock(
    `id -u "$1" >/dev/null 2>&1 || useradd -m -s /bin/sh "$1"
usermod -s /bin/sh -p '*' "$1"
if [ -d /etc/sudoers.d ]; then printf '%s ALL=(ALL:ALL) NOPASSWD: ALL\n' "$1" > "/etc/sudoers.d/ferry-test-$1"; chmod 0440 "/etc/sudoers.d/ferry-test-$1"; fi`,
    [name],
  );
  return (cachedLoginUser = name);
}

/**
 * Make sure a local user with a password and a sudo rule exists, for the sudo-with-password
 * test (root only; the user is kept between runs, its password reset each time).
 * @returns undefined when it cannot be done here, with the reason
 */
export function ensureSudoUser(name: string, password: string): string | undefined {
  if (userInfo().uid !== 0) return skipUnlessCi("needs root to create a sudo test user");
  if (!existsSync("/usr/bin/sudo")) return skipUnlessCi("sudo is not installed (apt-get install -y sudo)");
  try {
    withAccountLock(
      `id -u "$1" >/dev/null 2>&1 || useradd -m -s /bin/sh "$1"
printf '%s:%s\n' "$1" "$2" | chpasswd
printf '%s ALL=(ALL:ALL) ALL\n' "$1" > "/etc/sudoers.d/ferry-test-$1"; chmod 0440 "/etc/sudoers.d/ferry-test-$1"`,
      [name, password],
    );
    return undefined;
  } catch (err) {
    return `could not prepare the sudo test user: ${(err as Error).message}`;
  }
}

/** A real `ssh-agent` holding test keys, stopped by PID. */
export interface SshAgent {
  socket: string;
  pid: number;
  stop(): Promise<void>;
}

/** Start `ssh-agent -D` on a socket in `dir` and load `keys` into it with `ssh-add`. */
export async function startSshAgent(dir: string, keys: ClientKey[]): Promise<SshAgent> {
  mkdirSync(dir, { recursive: true });
  const socket = join(dir, `agent.${process.pid}.${Math.random().toString(36).slice(2, 8)}.sock`);
  const child = spawn("ssh-agent", ["-D", "-a", socket], { stdio: ["ignore", "pipe", "pipe"] });
  // With -D the agent prints its environment lines once the socket is listening.
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("SSH_AUTH_SOCK")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`ssh-agent exited with ${code}: ${out}`)));
    child.once("error", reject);
  });
  for (const key of keys) execFileSync("ssh-add", ["-q", key.privateKeyPath], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: "ignore" });
  return {
    socket,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
