/**
 * A real PostgreSQL server for integration tests, from Debian's `postgresql` package: each
 * `startPostgres()` runs `initdb` into a temporary folder and its own `postgres` on 127.0.0.1 at
 * a free port (and a Unix socket in that folder), with fsync on, as an unprivileged user: tests
 * run as root, and PostgreSQL refuses root, so the server runs as the package's `postgres` user
 * (or as the current user when that is not root). The system's own cluster, if the package
 * started one, is never touched.
 *
 * One server per test file (vitest runs files in parallel workers): `usePostgres()` starts it in
 * beforeAll and removes it in afterAll; each test takes a fresh database with `createDatabase()`.
 * Faults: `pause()`/`resume()` (SIGSTOP/SIGCONT of the postmaster and every backend: a frozen
 * server, connections hang), `kill()` (SIGKILL of the postmaster: a crash; backends exit on their
 * own when they notice), `stop()` (fast shutdown) and `restart()` (start again on the same data
 * and port, running crash recovery after a kill).
 */
import { skipUnlessCi } from "./missing-tool.js";
import { descendants } from "./sshd.js";
import { freePort } from "./free-port.js";
import { killOnExit } from "./kill-on-exit.js";
import { execFileSync, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";

/** The folder of `postgres`, `initdb`, `pg_ctl`: FERRY_PG_BIN, else the newest of Debian's `/usr/lib/postgresql/<major>/bin`. */
export function postgresBinDir(): string | undefined {
  if (process.env.FERRY_PG_BIN) return process.env.FERRY_PG_BIN;
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((d) => /^\d+$/.test(d) && existsSync(join(root, d, "bin", "postgres")))
    .sort((a, b) => Number(b) - Number(a));
  return majors.length ? join(root, majors[0]!, "bin") : undefined;
}

/** The uid and gid the server runs as: the current user, or `postgres` when we are root. */
function serverUser(): { uid: number; gid: number; name: string } | string {
  const me = userInfo();
  if (me.uid !== 0) return { uid: me.uid, gid: me.gid, name: me.username };
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("postgres:"));
  if (!line) return "running as root and there is no `postgres` user to run the server as (Debian's postgresql package creates it)";
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid), name: "postgres" };
}

/** Why the PostgreSQL suites cannot run here, or undefined when they can. */
export function postgresMissingReason(): string | undefined {
  const bin = postgresBinDir();
  if (!bin || !existsSync(join(bin, "initdb")))
    return skipUnlessCi("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: install Debian's postgresql package (apt-get install -y postgresql) to run the team-state tests");
  const user = serverUser();
  if (typeof user === "string") return skipUnlessCi(user);
  return undefined;
}

export interface PgServer {
  host: "127.0.0.1";
  port: number;
  /** The folder holding the Unix socket (`.s.PGSQL.<port>`). */
  socketDir: string;
  dataDir: string;
  /** The superuser tests connect as (a password is required over TCP: scram-sha-256). */
  user: string;
  password: string;
  /** Connection string of the `postgres` maintenance database, password included. */
  url: string;
  /** The postmaster's PID while it runs. */
  pid(): number | undefined;
  /** The server log so far. */
  log(): string;
  /** A fresh, empty database; returns its connection string (password included). */
  createDatabase(name?: string): Promise<string>;
  /** SIGSTOP the postmaster and every backend: connections hang, nothing answers. */
  pause(): void;
  /** SIGCONT whatever `pause()` stopped. */
  resume(): void;
  /** SIGKILL the postmaster (a crash); waits until its backends have gone too. */
  kill(): Promise<void>;
  /** Fast shutdown (SIGINT): active transactions roll back, data stays for `restart()`. */
  stop(): Promise<void>;
  /** Start again on the same data folder and port (crash recovery after `kill()`). */
  restart(): Promise<void>;
  /** Stop at once (SIGQUIT, SIGKILL if need be) and delete the folder. */
  remove(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pids: number[], withinMs: number): Promise<void> {
  const until = Date.now() + withinMs;
  while (pids.some(alive)) {
    if (Date.now() > until) throw new Error(`postgres processes ${pids.filter(alive).join(", ")} still running after ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface PostgresOptions {
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string | number>;
}

/** initdb a temporary cluster and start it; resolves once it accepts connections. */
export async function startPostgres(opts: PostgresOptions = {}): Promise<PgServer> {
  const missing = postgresMissingReason();
  if (missing) throw new Error(missing);
  const bin = postgresBinDir()!;
  const owner = serverUser() as { uid: number; gid: number; name: string };
  const asOwner = { uid: owner.uid, gid: owner.gid };

  const dir = mkdtempSync(join(tmpdir(), "ferry-pg-"));
  chmodSync(dir, 0o700);
  chownSync(dir, owner.uid, owner.gid);
  const dataDir = join(dir, "data");
  const socketDir = join(dir, "socket");
  mkdirSync(socketDir, { mode: 0o700 });
  chownSync(socketDir, owner.uid, owner.gid);
  const logFile = join(dir, "postgres.log");
  writeFileSync(logFile, "");
  chownSync(logFile, owner.uid, owner.gid);

  const user = "ferry_test";
  const password = randomBytes(12).toString("hex");
  const pwFile = join(dir, "pwfile");
  writeFileSync(pwFile, password + "\n", { mode: 0o600 });
  chownSync(pwFile, owner.uid, owner.gid);
  // --no-sync skips initdb's one flush of the new folder (a crashed machine loses a temporary
  // cluster anyway); the server itself runs with fsync on.
  try {
    execFileSync(
      join(bin, "initdb"),
      ["-D", dataDir, "-U", user, `--pwfile=${pwFile}`, "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions", "--no-sync"],
      { ...asOwner, cwd: dir, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C.UTF-8" } },
    );
  } catch (err) {
    const e = err as { stderr?: Buffer };
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${e.stderr?.toString() ?? String(err)}`, { cause: err });
  } finally {
    rmSync(pwFile, { force: true });
  }

  let port = await freePort();
  let child: ChildProcess | undefined;
  let logText = "";
  let paused: number[] = [];

  const launch = async (): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      const settings: Record<string, string | number> = {
        listen_addresses: "127.0.0.1",
        port,
        unix_socket_directories: socketDir,
        // Real durability: every commit reaches the disk before the client hears of it.
        fsync: "on",
        synchronous_commit: "on",
        full_page_writes: "on",
        max_connections: 200,
        shared_buffers: "32MB",
        log_min_messages: "warning",
        ...opts.settings,
      };
      const args = ["-D", dataDir, ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`])];
      const proc = spawn(join(bin, "postgres"), args, { ...asOwner, cwd: dir, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, LC_ALL: "C.UTF-8" } });
      let launchText = "";
      const started = new Promise<boolean>((resolve) => {
        proc.stderr!.on("data", (d: Buffer) => {
          logText += d.toString();
          launchText += d.toString();
          try {
            appendFileSync(logFile, d);
          } catch {
            /* removed: the text is still in memory */
          }
          if (/database system is ready to accept connections/.test(launchText)) resolve(true);
        });
        proc.once("exit", () => resolve(false));
      });
      const ok = await started;
      if (ok) {
        child = proc;
        killOnExit(proc);
        return;
      }
      if (attempt < 3 && /could not bind|Address already in use/.test(launchText)) {
        port = await freePort();
        continue;
      }
      // A crashed postmaster's backends may still hold the old shared memory for a moment.
      if (attempt < 20 && /pre-existing shared memory block|lock file .* already exists/.test(launchText)) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      throw new Error(`postgres did not start:\n${launchText.trim()}`);
    }
  };
  try {
    await launch();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const urlFor = (db: string) => `postgres://${user}:${password}@127.0.0.1:${port}/${db}`;
  const tree = (): number[] => (child?.pid ? [child.pid, ...descendants(child.pid).map((p) => p.pid)] : []);
  const signal = (pids: number[], sig: NodeJS.Signals) => {
    for (const p of pids) {
      try {
        process.kill(p, sig);
      } catch {
        /* gone */
      }
    }
  };
  const stopWith = async (sig: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const pids = tree();
    signal(paused, "SIGCONT");
    paused = [];
    const exited = new Promise<void>((r) => proc.once("exit", () => r()));
    signal([proc.pid!], sig);
    await exited;
    // Backends of a killed postmaster exit when they notice it is gone (or at once after SIGKILL).
    await waitGone(pids, 10_000).catch(() => signal(pids, "SIGKILL"));
    await waitGone(pids, 5_000);
    child = undefined;
  };
  let dbCount = 0;

  const server: PgServer = {
    host: "127.0.0.1",
    get port() {
      return port;
    },
    socketDir,
    dataDir,
    user,
    password,
    get url() {
      return urlFor("postgres");
    },
    pid: () => child?.pid,
    log: () => logText,
    async createDatabase(name) {
      const db = name ?? `ferry_${process.pid}_${++dbCount}_${randomBytes(3).toString("hex")}`;
      const client = new pg.Client({ connectionString: urlFor("postgres") });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${db.replaceAll('"', '""')}"`);
      } finally {
        await client.end();
      }
      return urlFor(db);
    },
    pause() {
      paused = tree();
      signal(paused, "SIGSTOP");
    },
    resume() {
      signal(paused, "SIGCONT");
      paused = [];
    },
    async kill() {
      const pids = tree();
      await stopWith("SIGKILL");
      // SIGKILL leaves the lock file; the next start checks its PID is gone and goes on.
      await waitGone(pids, 5_000);
    },
    stop: () => stopWith("SIGINT"),
    async restart() {
      await stopWith("SIGINT");
      logText += "\n--- restart ---\n";
      await launch();
    },
    async remove() {
      // Immediate shutdown: the folder is deleted next, so there is nothing to checkpoint.
      await stopWith("SIGQUIT").catch(() => stopWith("SIGKILL"));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/**
 * One server for the test file: started in beforeAll (skipped locally when PostgreSQL is not
 * installed, a failure in CI), removed in afterAll. Call at the top of a `describe`; read
 * `.server` inside tests. Use with `describe.skipIf(postgresMissingReason())`.
 */
export function usePostgres(opts: PostgresOptions = {}): { readonly server: PgServer } {
  let server: PgServer | undefined;
  beforeAll(async () => {
    server = await startPostgres(opts);
  }, 60_000);
  afterAll(async () => {
    await server?.remove();
  }, 30_000);
  return {
    get server() {
      if (!server) throw new Error("the PostgreSQL server is not started (used outside a test?)");
      return server;
    },
  };
}
