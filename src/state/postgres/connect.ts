/**
 * Connecting to a team's PostgreSQL state: a `pg` Pool from the connection string given as
 * `--state postgres://…` or `FERRY_STATE`, with libpq's conventions so a DBA's usual settings
 * work unchanged:
 *
 * - the password comes from the URL, else `PGPASSWORD`, else a password file: `?passfile=PATH`
 *   in the URL, else `PGPASSFILE`, else `~/.pgpass` (libpq's format `host:port:database:user:password`,
 *   read with node-postgres's own `pgpass` parser; a file group or others can read is refused,
 *   as libpq ignores it);
 * - TLS follows `sslmode` in the URL, else `PGSSLMODE`, with libpq's meanings (`disable`,
 *   `require`, `verify-ca`, `verify-full`; `sslrootcert`, `sslcert`, `sslkey` name PEM files).
 *   A server that is not on this machine must say which: ferry never sends a password in clear
 *   text to a remote server by default, and `prefer`/`allow` (TLS only if offered) are refused
 *   because they protect against nobody who can answer in the server's place.
 *
 * Passwords never reach output: {@link redactUrl} is the only way a connection string is
 * printed, and {@link databaseError} turns driver errors into FerryErrors whose text has every
 * known secret removed.
 */
import { readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { parseIntoClientConfig } from "pg-connection-string";
import pgpass from "pgpass/lib/helper.js";
import { FerryError } from "../../model/codes.js";

/** The parameters ferry reads itself rather than handing to the driver. */
const FERRY_PARAMS = ["passfile", "sslmode", "sslrootcert", "sslcert", "sslkey", "uselibpqcompat", "ssl"] as const;
const SSL_MODES = ["disable", "require", "verify-ca", "verify-full"] as const;
type SslMode = (typeof SSL_MODES)[number];

/** A parsed state URL: what the driver needs, and the password-free form for messages. */
export interface StateDatabaseConfig {
  /** Driver configuration (no password: see `password`). */
  client: pg.ClientConfig;
  /** The connection string without its password, for messages and journals. */
  location: string;
  sslmode: SslMode;
  /** Where the password comes from, for messages: never the password itself. */
  passwordSource: "url" | "PGPASSWORD" | "passfile" | "none";
  /** The password file that was consulted, if any. */
  passfile?: string;
}

/** Whether a string names a PostgreSQL database (rather than a state folder). */
export function isPostgresUrl(s: string | undefined): s is string {
  return s !== undefined && /^postgres(ql)?:\/\//i.test(s.trim());
}

/** The connection string (any URL) with its password (in the userinfo or a `password=` parameter) replaced by `***`. */
export function redactUrl(url: string): string {
  let out = url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*:)([^@/?#]*)@/i, (_m, head: string, pw: string) => (pw ? `${head}***@` : `${head}@`));
  out = out.replace(/([?&]password=)[^&#]*/gi, "$1***");
  return out;
}

/** `text` with every secret (the password, raw and URL-encoded) and any password in a URL in it removed. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"'`]+/gi, (u) => redactUrl(u));
  for (const s of secrets) {
    if (!s || s.length < 3) continue;
    for (const form of new Set([s, encodeURIComponent(s)])) out = out.split(form).join("***");
  }
  return out;
}

function invalid(url: string, message: string, hint: string): FerryError {
  return new FerryError("state-url-invalid", `--state ${redactUrl(url)}: ${message}`, hint);
}

const LOCAL_HOSTS = new Set(["127.0.0.1", "::1", "localhost", ""]);

/**
 * Parse and check a state URL (no network). Throws `state-url-invalid` naming what is wrong,
 * with the password never in the message.
 */
export function parseStateUrl(url: string, env: NodeJS.ProcessEnv = process.env): StateDatabaseConfig {
  const trimmed = url.trim();
  if (!isPostgresUrl(trimmed)) throw invalid(trimmed, "not a PostgreSQL connection string", "Write it as postgres://USER@HOST:PORT/DATABASE?sslmode=verify-full (see docs/team.md).");
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    throw invalid(trimmed, "not a valid URL", "Percent-encode special characters in the user name and password (e.g. @ as %40, / as %2F), or keep the password in a password file (?passfile=PATH).");
  }
  const params = parsed.searchParams;
  const socketHost = params.get("host")?.startsWith("/") ?? false;
  const host = socketHost ? params.get("host")! : parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  if (!host) throw invalid(trimmed, "names no server", "Add the host: postgres://USER@HOST:5432/DATABASE, or ?host=/path/to/socket/folder for a Unix socket.");
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
  if (!database) throw invalid(trimmed, "names no database", "Add the database after the host: postgres://USER@HOST:5432/ferry.");

  const modeRaw = params.get("sslmode") ?? env.PGSSLMODE;
  if (modeRaw !== undefined && !(SSL_MODES as readonly string[]).includes(modeRaw)) {
    const why = modeRaw === "prefer" || modeRaw === "allow" ? `sslmode=${modeRaw} falls back to clear text whenever TLS is refused, so it protects nothing` : `sslmode=${modeRaw} is not one of ${SSL_MODES.join(", ")}`;
    throw invalid(trimmed, why, "Use sslmode=verify-full (with sslrootcert=CA.pem for a private CA), or sslmode=disable on a loopback or Unix-socket connection.");
  }
  const local = socketHost || LOCAL_HOSTS.has(host);
  if (modeRaw === undefined && !local)
    throw invalid(trimmed, `the server ${host} is not on this machine and no sslmode is given`, "Add ?sslmode=verify-full (and sslrootcert=CA.pem for a private CA) so the password and the journal travel encrypted to the server you meant; sslmode=disable only on a network you trust.");
  const sslmode: SslMode = (modeRaw as SslMode | undefined) ?? "disable";

  const readPem = (name: "sslrootcert" | "sslcert" | "sslkey"): string | undefined => {
    const p = params.get(name);
    if (!p) return undefined;
    try {
      return readFileSync(p, "utf8");
    } catch (err) {
      throw invalid(trimmed, `cannot read ${name} file ${p}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, `Check the path and that this user can read it.`);
    }
  };
  let ssl: pg.ClientConfig["ssl"] = false;
  if (sslmode !== "disable") {
    const ca = readPem("sslrootcert");
    const cert = readPem("sslcert");
    const key = readPem("sslkey");
    const base = { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
    if (sslmode === "verify-ca" && !ca) throw invalid(trimmed, "sslmode=verify-ca needs the CA that signed the server's certificate", "Add sslrootcert=/path/to/ca.pem, or use sslmode=verify-full.");
    // libpq: `require` with a root certificate behaves as verify-ca; without one it encrypts only.
    if (sslmode === "require" && !ca) ssl = { ...base, rejectUnauthorized: false };
    else if (sslmode === "require" || sslmode === "verify-ca") ssl = { ...base, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    else ssl = { ...base, rejectUnauthorized: true, ...(socketHost ? {} : { servername: host }) };
  }

  const stripped = new URL(trimmed);
  for (const p of FERRY_PARAMS) stripped.searchParams.delete(p);
  let client: pg.ClientConfig;
  try {
    client = parseIntoClientConfig(stripped.toString()) as pg.ClientConfig;
  } catch (err) {
    throw invalid(trimmed, redactSecrets(err instanceof Error ? err.message : String(err), [decodeURIComponent(parsed.password)]), "Check the port and the parameters after `?`.");
  }
  const user = client.user || env.PGUSER || safeUserName();
  client = { ...client, user, host, database, ssl, application_name: client.application_name ?? "ferry" };
  delete client.password;

  const urlPassword = parsed.password ? decodeURIComponent(parsed.password) : params.get("password") ?? undefined;
  let passwordSource: StateDatabaseConfig["passwordSource"] = "none";
  let passfile: string | undefined;
  let password: string | undefined;
  if (urlPassword) {
    password = urlPassword;
    passwordSource = "url";
  } else if (env.PGPASSWORD) {
    password = env.PGPASSWORD;
    passwordSource = "PGPASSWORD";
  } else {
    passfile = params.get("passfile") ?? env.PGPASSFILE ?? join(env.HOME ?? homedir(), ".pgpass");
    const explicit = params.has("passfile") || env.PGPASSFILE !== undefined;
    password = readPassfile(passfile, explicit, { host: socketHost ? "localhost" : host, port: client.port ?? 5432, database, user }, trimmed);
    if (password !== undefined) passwordSource = "passfile";
  }
  if (password !== undefined) {
    // Not enumerable: a config printed or logged by mistake does not show it.
    Object.defineProperty(client, "password", { value: password, enumerable: false, writable: false });
  }
  return { client, location: redactUrl(trimmed), sslmode, passwordSource, ...(passfile ? { passfile } : {}) };
}

function safeUserName(): string {
  try {
    return process.env.USER ?? process.env.LOGNAME ?? "postgres";
  } catch {
    return "postgres";
  }
}

/**
 * The password for `conn` from a libpq password file, or undefined when the file has no line
 * for it. A file named explicitly must exist; like libpq, one group or others can read is not
 * used (here: refused, so the operator learns why the password was not found).
 */
function readPassfile(file: string, explicit: boolean, conn: { host: string; port: number; database: string; user: string }, url: string): string | undefined {
  let mode: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw invalid(url, `password file ${file} is not a plain file`, "Point passfile (or PGPASSFILE) at a file of `host:port:database:user:password` lines.");
    mode = st.mode;
  } catch (err) {
    if (err instanceof FerryError) throw err;
    if (!explicit) return undefined;
    throw invalid(url, `password file ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, "Check the path given as passfile= or PGPASSFILE.");
  }
  if (mode & 0o077) throw invalid(url, `password file ${file} can be read by group or others (mode ${(mode & 0o777).toString(8)})`, `Run: chmod 600 ${file}`);
  const text = readFileSync(file, "utf8");
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*#/.test(line)) continue;
    const entry = pgpass.parseLine(line);
    if (entry && pgpass.isValidEntry(entry) && pgpass.match(conn, entry)) return entry.password;
  }
  return undefined;
}

export interface PoolOptions {
  /** Most connections this process opens. @default 10 */
  max?: number;
  /** How long to wait for a connection before `state-unreachable`. @default 10000 */
  connectTimeoutMs?: number;
  /** Let the process exit while connections sit idle (a command that is done need not close the pool). @default false */
  allowExitOnIdle?: boolean;
}

/**
 * A pool for a state URL, after one round trip proves the server answers and accepts us.
 * Throws `state-url-invalid`, `state-unreachable`, `state-auth-failed` or `state-tls-failed`.
 */
export async function openPool(url: string, opts: PoolOptions = {}): Promise<{ pool: pg.Pool; config: StateDatabaseConfig }> {
  const config = parseStateUrl(url);
  const pool = new pg.Pool({
    ...config.client,
    ...(config.client.password !== undefined ? { password: config.client.password } : {}),
    max: opts.max ?? 10,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    allowExitOnIdle: opts.allowExitOnIdle ?? false,
  });
  // A connection that dies between queries (server restart) must not crash ferry: the query
  // that needs it gets the error, or the pool a new connection.
  pool.on("error", () => undefined);
  pool.on("connect", (client) => void client.on("error", () => undefined));
  try {
    const c = await pool.connect();
    c.release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw databaseError(err, config);
  }
  return { pool, config };
}

const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ECONNRESET", "EPIPE", "ENOENT", "57P01", "57P02", "57P03", "53300", "08000", "08001", "08003", "08006"]);
const AUTH = new Set(["28P01", "28000", "42501"]);

/** The secrets of a config, for redaction. */
function secretsOf(config: StateDatabaseConfig): string[] {
  const p = config.client.password;
  return typeof p === "string" ? [p] : [];
}

/**
 * A driver or network error while talking to the state database, as a FerryError naming the
 * server (without password) and what to do. Anything unrecognised is `state-unreachable`: ferry
 * could not record, so it must not act.
 */
export function databaseError(err: unknown, config: StateDatabaseConfig, doing = "connecting to"): FerryError {
  if (err instanceof FerryError) return err;
  const e = err as { code?: string; message?: string };
  const message = redactSecrets(e?.message ?? String(err), secretsOf(config));
  const where = config.location;
  const code = e?.code ?? "";
  if (AUTH.has(code) || /password authentication failed|client password must be a string|no pg_hba\.conf entry|SASL/i.test(message)) {
    const hint =
      config.passwordSource === "none"
        ? `No password was found for ${config.client.user}: put it in a password file (?passfile=PATH, PGPASSFILE or ~/.pgpass, mode 0600) or PGPASSWORD; see docs/team.md.`
        : `Check the user and the password (taken from ${config.passwordSource === "passfile" ? `the password file ${config.passfile}` : config.passwordSource === "url" ? "the connection string" : "PGPASSWORD"}), and that pg_hba.conf lets this machine in.`;
    return new FerryError("state-auth-failed", `${doing} the state database ${where}: ${message}`, hint, { cause: err });
  }
  if (code === "3D000") return new FerryError("state-unreachable", `${doing} the state database ${where}: ${message}`, `Create it (createdb -O ${config.client.user} ${config.client.database}), then run \`ferry state migrate --state URL\`.`, { cause: err });
  if (/SSL|TLS|certificate|self[- ]signed|CERT_|ERR_TLS/i.test(message + code))
    return new FerryError("state-tls-failed", `${doing} the state database ${where}: ${message}`, `sslmode=${config.sslmode}: check the server's certificate against sslrootcert, or that the server has TLS enabled (ssl = on).`, { cause: err });
  const timedOut = /timeout/i.test(message);
  return new FerryError(
    "state-unreachable",
    `${doing} the state database ${where}: ${message}${UNREACHABLE.has(code) || timedOut ? "" : code ? ` (${code})` : ""}`,
    "Check that PostgreSQL runs and this machine can reach it (host, port, firewall); nothing was done that was not recorded. Once it answers, `ferry resume RUN` continues an interrupted run.",
    { cause: err },
  );
}
