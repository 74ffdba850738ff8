/**
 * Issue 12, items 12 and 14: a value read from a secret never appears in a message, and
 * environment variables whose names look secret (or that a runbook marks) are secret.
 */
import { describe, expect, it } from "vitest";
import { PrepareError } from "../../src/engine/prepare.js";
import { envIsSecret } from "../../src/engine/inputs.js";
import { looksSecret } from "../../src/engine/redact.js";
import { renderFor } from "../../src/engine/render.js";
import { estate, prepareAll, runbook } from "./helpers.js";

const CANARY = "canary-Zq7xK2pLm9Wv4Rt8Yb3N";

function refusal(inputs: Record<string, unknown>, env: Record<string, string>, params?: Record<string, string>): PrepareError {
  const rb = runbook("leaky", { inputs, steps: [{ id: "s", local: { run: "true" } }] });
  const est = estate([{ id: "payroll", ...(params ? { params } : {}) }]);
  try {
    prepareAll(est, rb, env);
  } catch (err) {
    if (err instanceof PrepareError) return err;
    throw err;
  }
  throw new Error("prepare accepted the runbook");
}

describe("a secret in a failing input is named, never shown", () => {
  const env = { DB_PASSWORD: CANARY };
  it.each([
    ["number", /input "port" must be a number, got a value from the secret env\.DB_PASSWORD \(not shown\)/],
    ["boolean", /input "port" must be true or false, got a value from the secret env\.DB_PASSWORD \(not shown\)/],
    ["prefix", /input "port" must be an IP prefix, got a value from the secret env\.DB_PASSWORD \(not shown\)/],
    ["host", /input "port" names host a value from the secret env\.DB_PASSWORD \(not shown\), which is not in the estate/],
    ["site", /input "port" names site a value from the secret env\.DB_PASSWORD \(not shown\)/],
    ["secret", /input "port" is a secret: its default must name an environment variable, but it is a value from the secret env\.DB_PASSWORD/],
  ])("type %s with default {{ env.DB_PASSWORD }}", (type, message) => {
    const err = refusal({ port: { type, default: "{{ env.DB_PASSWORD }}" } }, env);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain(CANARY);
    expect(err.message).not.toContain(CANARY.slice(0, 8));
    expect(JSON.stringify(err.problems)).not.toContain(CANARY);
  });

  it("a secret inside a longer default is not shown either", () => {
    const err = refusal({ port: { type: "number", default: "54{{ env.DB_PASSWORD }}32" } }, env);
    expect(err.message).toMatch(/input "port" must be a number/);
    expect(err.message).not.toContain(CANARY);
  });

  it("a value that only equals a secret (a param copied from it) is redacted from the message too", () => {
    const err = refusal({ port: { type: "number" } }, env, { port: CANARY });
    expect(err.message).toMatch(/input "port" must be a number, got "\*\*\*"/);
    expect(err.message).not.toContain(CANARY);
  });

  it("a value from a secret input's variable is redacted from messages", () => {
    const err = refusal({ pw: { type: "secret" }, port: { type: "number" } }, { VAULT_VALUE: CANARY }, { pw: "VAULT_VALUE", port: CANARY });
    expect(err.message).not.toContain(CANARY);
  });

  it("a non-secret value is still quoted, so the operator can see what is wrong", () => {
    const err = refusal({ port: { type: "number", default: "{{ env.DB_PORT }}" } }, { DB_PORT: "fivefour" });
    expect(err.message).toMatch(/input "port" must be a number, got "fivefour"/);
  });

  it("a string input made from a secret is itself secret: off the command line and redacted", () => {
    const rb = runbook("dsn", {
      inputs: { dsn: { type: "string", default: "postgres://app:{{ env.DB_PASSWORD }}@db" } },
      steps: [{ id: "s", local: { run: "psql {{ dsn }}" } }],
    });
    const [app] = prepareAll(estate([{ id: "payroll" }]), rb, env);
    const { command, spec } = renderFor(app!, app!.steps[0]!.action);
    expect(command).toBe('psql "$FERRY_SECRET_DSN"');
    expect((spec as { env: Record<string, string> }).env.FERRY_SECRET_DSN).toBe(`postgres://app:${CANARY}@db`);
    expect([...app!.secrets.values()]).toContain(`postgres://app:${CANARY}@db`);
  });
});

describe("names that look secret", () => {
  it.each(["DB_PASS", "AZURE_STORAGE_KEY", "GITHUB_TOKEN", "APP_SECRET", "ARM_CLIENT_SECRET", "DB_PASSWORD", "AZURE_STORAGE_CONNECTION_STRING", "SMTP_PWD", "ADO_PAT", "SAS_KEY", "API_KEY", "db_pass", "MYSQL_ROOT_PASSWORD", "SSH_KEY_PASSPHRASE"])("%s is secret", (name) => {
    expect(looksSecret(name)).toBe(true);
  });
  it.each(["PATH", "HOME", "PWD", "OLDPWD", "SSH_AUTH_SOCK", "PASSPORT_NO", "KEYBOARD_LAYOUT", "DB_HOST", "DB_PORT", "USER", "LANG"])("%s is not", (name) => {
    expect(looksSecret(name)).toBe(false);
  });

  it("a runbook marks others either way, by name or pattern; secret wins", () => {
    const marks = { secret: ["SITE_CODE", "LEGACY_*"], notSecret: ["TOKEN_URL", "LEGACY_KEY"] };
    expect(envIsSecret("SITE_CODE", marks)).toBe(true);
    expect(envIsSecret("LEGACY_THING", marks)).toBe(true);
    expect(envIsSecret("LEGACY_KEY", marks)).toBe(true);
    expect(envIsSecret("TOKEN_URL", marks)).toBe(false);
    expect(envIsSecret("DB_PASS", marks)).toBe(true);
    expect(envIsSecret("SITE_CODEX", marks)).toBe(false);
  });

  it("DB_PASS and AZURE_STORAGE_KEY are redacted and travel by environment, never in the command", () => {
    const rb = runbook("env", {
      steps: [{ id: "s", local: { run: "login {{ env.DB_PASS }} {{ env.AZURE_STORAGE_KEY }} {{ env.SITE_CODE }} {{ env.TOKEN_URL }}" } }],
      envSecrets: { secret: ["SITE_CODE"], notSecret: ["TOKEN_URL"] },
    });
    const env = { DB_PASS: "hunter2-db", AZURE_STORAGE_KEY: "c3RvcmFnZS1rZXk=", SITE_CODE: "site-4711", TOKEN_URL: "https://login.example/token" };
    const [app] = prepareAll(estate([{ id: "payroll" }]), rb, env);
    const { command } = renderFor(app!, app!.steps[0]!.action);
    expect(command).toBe(`login "$FERRY_SECRET_ENV_DB_PASS" "$FERRY_SECRET_ENV_AZURE_STORAGE_KEY" "$FERRY_SECRET_ENV_SITE_CODE" 'https://login.example/token'`);
    expect(new Set(app!.secrets.values())).toEqual(new Set(["hunter2-db", "c3RvcmFnZS1rZXk=", "site-4711"]));
  });

  it("the runbook schema refuses a mark that is not a variable name or pattern", () => {
    expect(() => runbook("bad", { steps: [{ id: "s", local: { run: "true" } }], envSecrets: { secret: ["A B"] } })).toThrow(/environment variable name/);
  });
});
