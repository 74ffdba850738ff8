/**
 * Secret redaction for a run. Every event passes through the run's Redactor (the class lives in
 * actions/redactor.ts, so actions can redact output before cutting it) before it reaches the
 * journal, the log, the terminal, `--json` output or an error message. Here: which secrets a
 * run registers, and which environment variable names are secret.
 */

import { Redactor } from "../actions/redactor.js";

export { MIN_SECRET_LENGTH, Redactor } from "../actions/redactor.js";

/** What redactorFor reads of an application (a PreparedApp has it). */
export interface HasSecrets {
  readonly secrets: ReadonlyMap<string, string>;
}

/**
 * The one place a run's secrets are registered: every secret of `apps`, added to `base` when
 * given (the CLI shares one redactor with the engine so the errors it prints are redacted too)
 * or to a new redactor. Returns the redactor added to. Structural, so this module stays a leaf.
 *
 * @example
 * const redactor = redactorFor(prepared.apps);
 */
export function redactorFor(apps: readonly HasSecrets[], base: Redactor = new Redactor()): Redactor {
  for (const a of apps) for (const v of a.secrets.values()) base.add(v);
  return base;
}

/** Words that anywhere in a name mark a credential: DBPASSWORD, GITHUB_TOKEN, CLIENTSECRET. */
const SECRET_WORDS = /PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|CREDENTIAL|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CONNECTION_?STRING/i;
/** Short words that mark one only as a whole `_`-separated part (DB_PASS, AZURE_STORAGE_KEY, SAS_KEY), so PASSPORT_NO or KEYBOARD do not. */
const SECRET_PARTS = new Set(["PASS", "PWD", "KEY", "KEYS", "PAT", "SAS", "AUTH", "APIKEY", "CREDS", "PIN", "OTP"]);
/** Names that contain a secret part but are well known to hold none. */
const NOT_SECRET = new Set(["PWD", "OLDPWD", "SSH_AUTH_SOCK", "XAUTHORITY", "KEYTIMEOUT"]);

/**
 * Environment variable names that by convention hold credentials: a secret word anywhere
 * (PASSWORD, SECRET, TOKEN, CREDENTIAL, API_KEY, ACCESS_KEY, PRIVATE_KEY, CONNECTION_STRING),
 * or a short one as a whole `_`-separated part (PASS, PWD, KEY, PAT, SAS, AUTH, PIN, OTP).
 * A runbook's `envSecrets` marks others either way (docs/formats.md).
 */
export function looksSecret(name: string): boolean {
  const upper = name.toUpperCase();
  if (NOT_SECRET.has(upper)) return false;
  return SECRET_WORDS.test(upper) || upper.split(/[^A-Z0-9]+/).some((part) => SECRET_PARTS.has(part));
}
