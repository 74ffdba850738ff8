import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import ssh2 from "ssh2";
import type { AnyAuthMethod, ParsedKey } from "ssh2";

export interface IdentityOptions {
  /** ssh-agent socket. @default process.env.SSH_AUTH_SOCK; `false` disables the agent */
  agent?: string | false;
  /**
   * Private key files tried after the agent, before the host's ssh-config IdentityFile lines.
   * @default the OpenSSH defaults that exist: ~/.ssh/id_ed25519, ~/.ssh/id_ecdsa, ~/.ssh/id_rsa
   */
  identityFiles?: string[];
  /** Name of the environment variable holding the passphrase of encrypted key files. */
  passphraseEnv?: string;
  /** Where passphrases (and SSH_AUTH_SOCK) are read from. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** One authentication attempt, as ssh2's `authHandler` takes it. */
export interface AuthAttempt {
  method: AnyAuthMethod;
  /** "ssh-agent" or the key file path, for messages. */
  label: string;
}

/**
 * The operator's identities: the agent and parsed key files. Keys are read and decrypted once
 * per run; a key that cannot be used is remembered with the reason, which goes into the
 * AuthError if nothing else works.
 */
export class Identities {
  private readonly agent: string | undefined;
  private readonly defaults: string[];
  private readonly passphrase: string | undefined;
  private readonly keys = new Map<string, ParsedKey | Error>();

  constructor(opts: IdentityOptions = {}) {
    const env = opts.env ?? process.env;
    this.agent = opts.agent === false ? undefined : (opts.agent ?? env.SSH_AUTH_SOCK ?? undefined) || undefined;
    this.defaults = opts.identityFiles ?? ["id_ed25519", "id_ecdsa", "id_rsa"].map((f) => join(homedir(), ".ssh", f));
    this.passphrase = opts.passphraseEnv ? env[opts.passphraseEnv] : undefined;
  }

  private key(path: string): ParsedKey | Error {
    let parsed = this.keys.get(path);
    if (parsed === undefined) {
      try {
        const result = ssh2.utils.parseKey(readFileSync(path), this.passphrase) as ParsedKey | ParsedKey[] | Error;
        parsed = result instanceof Error ? result : Array.isArray(result) ? result[0]! : result;
      } catch (err) {
        parsed = err as Error;
      }
      this.keys.set(path, parsed);
    }
    return parsed;
  }

  /** Attempts for one user, in OpenSSH's order: agent, then key files; plus unusable keys and why. */
  attempts(username: string, extraFiles: string[]): { attempts: AuthAttempt[]; problems: string[] } {
    const attempts: AuthAttempt[] = [];
    const problems: string[] = [];
    if (this.agent) attempts.push({ method: { type: "agent", username, agent: this.agent }, label: "ssh-agent" });
    for (const path of [...new Set([...this.defaults, ...extraFiles])]) {
      const key = this.key(path);
      if (key instanceof Error) {
        // Absent default keys are normal; anything else is worth telling the operator.
        if (!/ENOENT/.test(String((key as NodeJS.ErrnoException).code ?? key.message))) problems.push(`${path}: ${key.message}`);
        continue;
      }
      attempts.push({ method: { type: "publickey", username, key }, label: path });
    }
    return { attempts, problems };
  }
}
