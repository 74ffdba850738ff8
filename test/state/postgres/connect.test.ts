import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FerryError } from "../../../src/model/codes.js";
import { databaseError, parseStateUrl, redactSecrets, redactUrl } from "../../../src/state/postgres/connect.js";

const noEnv = { HOME: "/nonexistent" } as NodeJS.ProcessEnv;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof FerryError ? err.code : `not a FerryError: ${String(err)}`;
  }
  return undefined;
}

describe("redacting connection strings", () => {
  it("hides the password in the user info and in a password= parameter", () => {
    expect(redactUrl("postgres://ferry:s3cr%40t@db:5432/ferry?sslmode=verify-full")).toBe("postgres://ferry:***@db:5432/ferry?sslmode=verify-full");
    expect(redactUrl("postgresql://ferry@db/ferry?password=hunter2&sslmode=disable")).toBe("postgresql://ferry@db/ferry?password=***&sslmode=disable");
    expect(redactUrl("postgres://ferry@db/ferry")).toBe("postgres://ferry@db/ferry");
  });
  it("removes URLs' passwords and each known secret (raw and URL-encoded) from any text", () => {
    const text = "connect postgres://u:p%40ss@h/d failed; password p@ss was refused";
    expect(redactSecrets(text, ["p@ss"])).toBe("connect postgres://u:***@h/d failed; password *** was refused");
  });
});

describe("parsing a state URL", () => {
  it("takes the password from the URL, never shows it, and keeps it out of enumeration", () => {
    const c = parseStateUrl("postgres://ferry:pw-123@127.0.0.1:5433/team", noEnv);
    expect(c.location).toBe("postgres://ferry:***@127.0.0.1:5433/team");
    expect(c.client).toMatchObject({ host: "127.0.0.1", port: 5433, database: "team", user: "ferry", ssl: false });
    expect(c.client.password).toBe("pw-123");
    expect(JSON.stringify(c)).not.toContain("pw-123");
    expect(c.passwordSource).toBe("url");
  });

  it("refuses what is not a usable PostgreSQL URL, naming why and never the password", () => {
    for (const bad of ["mysql://u:pw-9@h/d", "postgres://u:pw-9@/d", "postgres://u:pw-9@127.0.0.1/", "postgres://u:pw-9@h:99999999/d?sslmode=disable"]) {
      let caught: unknown;
      try {
        parseStateUrl(bad, noEnv);
      } catch (err) {
        caught = err;
      }
      expect(caught, bad).toBeInstanceOf(FerryError);
      expect((caught as FerryError).code).toBe("state-url-invalid");
      expect((caught as FerryError).message).not.toContain("pw-9");
    }
  });

  it("refuses a remote server without sslmode, and the modes that fall back to clear text", () => {
    expect(codeOf(() => parseStateUrl("postgres://u@db.council.internal/ferry", noEnv))).toBe("state-url-invalid");
    expect(codeOf(() => parseStateUrl("postgres://u@db.council.internal/ferry?sslmode=prefer", noEnv))).toBe("state-url-invalid");
    expect(codeOf(() => parseStateUrl("postgres://u@db.council.internal/ferry?sslmode=verify-ca", noEnv))).toBe("state-url-invalid");
    expect(parseStateUrl("postgres://u@db.council.internal/ferry?sslmode=verify-full", noEnv).client.ssl).toMatchObject({ rejectUnauthorized: true, servername: "db.council.internal" });
    expect(parseStateUrl("postgres://u@db.council.internal/ferry?sslmode=require", noEnv).client.ssl).toMatchObject({ rejectUnauthorized: false });
  });

  it("reads PGSSLMODE when the URL names no sslmode", () => {
    const c = parseStateUrl("postgres://u@db.council.internal/ferry", { ...noEnv, PGSSLMODE: "verify-full" });
    expect(c.sslmode).toBe("verify-full");
    expect(codeOf(() => parseStateUrl("postgres://u@db/ferry", { ...noEnv, PGSSLMODE: "allow" }))).toBe("state-url-invalid");
  });

  it("finds the password in ?passfile=, else PGPASSFILE, matching host, port, database and user", () => {
    const dir = mkdtempSync(join(tmpdir(), "ferry-passfile-"));
    const file = join(dir, "pgpass");
    writeFileSync(file, "# team database\nother:5432:*:ferry:wrong\n127.0.0.1:5433:team:ferry:from\\:file\n*:*:*:*:fallback\n", { mode: 0o600 });
    const viaParam = parseStateUrl(`postgres://ferry@127.0.0.1:5433/team?passfile=${encodeURIComponent(file)}`, noEnv);
    expect(viaParam.client.password).toBe("from:file");
    expect(viaParam.passwordSource).toBe("passfile");
    expect(viaParam.location).not.toContain("from:file");
    const viaEnv = parseStateUrl("postgres://ferry@127.0.0.1:5999/team", { ...noEnv, PGPASSFILE: file });
    expect(viaEnv.client.password).toBe("fallback");
    // PGPASSWORD comes before any file, as in libpq.
    expect(parseStateUrl("postgres://ferry@127.0.0.1:5433/team", { ...noEnv, PGPASSFILE: file, PGPASSWORD: "env-pw" }).client.password).toBe("env-pw");
  });

  it("refuses a password file others can read, and a named one that is missing", () => {
    const dir = mkdtempSync(join(tmpdir(), "ferry-passfile-"));
    const file = join(dir, "pgpass");
    writeFileSync(file, "*:*:*:*:pw\n");
    chmodSync(file, 0o644);
    let caught: unknown;
    try {
      parseStateUrl("postgres://ferry@127.0.0.1/team", { ...noEnv, PGPASSFILE: file });
    } catch (err) {
      caught = err;
    }
    expect((caught as FerryError).code).toBe("state-url-invalid");
    expect((caught as FerryError).hint).toBe(`Run: chmod 600 ${file}`);
    expect(codeOf(() => parseStateUrl(`postgres://ferry@127.0.0.1/team?passfile=${join(dir, "absent")}`, noEnv))).toBe("state-url-invalid");
    // ~/.pgpass that does not exist is simply not used.
    expect(parseStateUrl("postgres://ferry@127.0.0.1/team", noEnv).passwordSource).toBe("none");
  });
});

describe("driver errors", () => {
  const config = parseStateUrl("postgres://ferry:topsecret@127.0.0.1:5433/team", noEnv);
  it("classifies refusals, authentication and TLS, without the password", () => {
    const refused = databaseError(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5433"), { code: "ECONNREFUSED" }), config);
    expect(refused.code).toBe("state-unreachable");
    expect(refused.exitStatus).toBe(69);
    const auth = databaseError(Object.assign(new Error('password authentication failed for user "ferry" (topsecret)'), { code: "28P01" }), config);
    expect(auth.code).toBe("state-auth-failed");
    expect(auth.message).not.toContain("topsecret");
    expect(auth.message).toContain("postgres://ferry:***@127.0.0.1:5433/team");
    expect(databaseError(new Error("The server does not support SSL connections"), config).code).toBe("state-tls-failed");
  });
});
