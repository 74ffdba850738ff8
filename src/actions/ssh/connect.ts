import { Client } from "ssh2";
import type { ServerHostKeyAlgorithm } from "ssh2";
import type { Duplex } from "node:stream";
import { HostKeyError } from "../errors.js";
import { classifyConnectError } from "./classify.js";
import type { ConnectFailureContext } from "./classify.js";
import { describeEndpoint } from "./endpoint.js";
import type { Endpoint } from "./endpoint.js";
import { algorithmsForKeyType, describeKey, keyLabel, keyTypeOf } from "./fingerprint.js";
import type { Identities } from "./identity.js";
import { describeEntries, knownHostsName } from "./known-hosts.js";
import type { KnownHosts } from "./known-hosts.js";

export interface ConnectSettings {
  knownHosts: KnownHosts;
  /** Pin first-seen keys (OpenSSH `accept-new`); a changed key is refused regardless. */
  acceptNew: boolean;
  identities: Identities;
  readyTimeout: number;
  keepaliveInterval: number;
  keepaliveCountMax: number;
}

/** An authenticated client plus what was learned while connecting. */
export interface Connected {
  client: Client;
  /** `ED25519 SHA256:…` of the verified host key. */
  hostKey: string;
  /** Whether this connection pinned the key into the ferry known_hosts file. */
  pinned: boolean;
  /** The identity that was accepted ("ssh-agent" or a key path). */
  identity: string;
}

// ssh2's own preference order; known types are moved to the front per host.
const HOST_KEY_ALGORITHMS: ServerHostKeyAlgorithm[] = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "rsa-sha2-512",
  "rsa-sha2-256",
  "ssh-rsa",
];

function hostKeyOrder(knownTypes: string[]): ServerHostKeyAlgorithm[] {
  const first = knownTypes.flatMap(algorithmsForKeyType).filter((a): a is ServerHostKeyAlgorithm => HOST_KEY_ALGORITHMS.includes(a as ServerHostKeyAlgorithm));
  return [...new Set([...first, ...HOST_KEY_ALGORITHMS])];
}

/**
 * Judge the server's host key during key exchange, before any authentication is attempted:
 * a refusal here means the server never sees a user name or a key.
 */
function verifyHostKey(ep: Endpoint, key: Buffer, settings: ConnectSettings): { error?: HostKeyError; pinned: boolean } {
  const name = knownHostsName(ep.address, ep.port);
  const verdict = settings.knownHosts.check(name, key);
  const where = describeEndpoint(ep);
  const offered = describeKey(key);
  switch (verdict.status) {
    case "known":
      return { pinned: false };
    case "revoked":
      return {
        pinned: false,
        error: new HostKeyError(`Host key of ${where} is REVOKED: the server offered ${offered}, marked @revoked at ${verdict.entry.file}:${verdict.entry.line}`, {
          hint: "Do not connect: the key was revoked on purpose. Ask the host's owner for the current key.",
        }),
      };
    case "changed":
      return {
        pinned: false,
        error: new HostKeyError(
          `Host key of ${where} has CHANGED: known_hosts has ${describeEntries(verdict.known)}, the server offered ${offered}. Someone may be intercepting the connection, or the host was rebuilt`,
          {
            hint: `Confirm the new fingerprint with the host's owner out of band, then remove the old line (ssh-keygen -R '${name}' -f <file>) and add the new key; ferry never accepts a changed key by itself.`,
          },
        ),
      };
    case "unknown": {
      if (settings.acceptNew && verdict.otherTypes.length === 0 && settings.knownHosts.canPin) {
        settings.knownHosts.pin(name, key);
        return { pinned: true };
      }
      const others = verdict.otherTypes.length ? ` (known_hosts has only ${verdict.otherTypes.map(keyLabel).join(", ")} keys for it)` : "";
      return {
        pinned: false,
        error: new HostKeyError(`Host key of ${where} is not known${others}: the server offered ${offered}`, {
          hint: `Check the fingerprint with the host's owner, then add it (ssh-keyscan -p ${ep.port} ${ep.address} >> ~/.ssh/known_hosts) or run once with --accept-new to pin it into .ferry/known_hosts.`,
        }),
      };
    }
  }
}

/**
 * Open and authenticate one SSH connection to `ep`, over `sock` when it is reached through a
 * jump host. Host keys are checked strictly before authentication; keepalive is always on so a
 * silently dead peer is noticed within `keepaliveInterval × (keepaliveCountMax + 1)`. Every
 * connection sets TCP_NODELAY, so a step's small packets are not held back by delayed ACKs.
 */
export function connectEndpoint(ep: Endpoint, settings: ConnectSettings, sock?: Duplex): Promise<Connected> {
  const client = new Client();
  const name = knownHostsName(ep.address, ep.port);
  const { attempts, problems } = settings.identities.attempts(ep.user, ep.identityFiles);
  const failure: ConnectFailureContext = { tried: [], keyProblems: problems, readyTimeoutMs: settings.readyTimeout };
  let hostKey = "";
  let pinned = false;
  let identity = "";

  return new Promise<Connected>((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      client.destroy();
      sock?.destroy();
      reject(classifyConnectError(err, ep, failure));
    };
    client.on("error", fail);
    // Nagle's algorithm holds a small SSH packet until the previous one is acknowledged, and the
    // server delays that ACK (~40 ms on Linux): without TCP_NODELAY every command after the first
    // on a connection waits for it. ssh2 leaves the option off, so set it as soon as the socket
    // is connected. Through a jump host the socket is a forwarded channel (no TCP option of its
    // own); its bytes ride the jump host's connection, which went through here and has it set.
    client.once("connect", () => client.setNoDelay(true));
    client.once("close", () => fail(new Error(`${describeEndpoint(ep)} closed the connection during the handshake`)));
    client.once("ready", () => {
      if (settled) return;
      const ready = () => {
        if (settled) return;
        settled = true;
        client.removeListener("error", fail);
        resolve({ client, hostKey, pinned, identity });
      };
      // A key pinned into the team's shared store is kept there before the connection is used.
      if (pinned) settings.knownHosts.flush().then(ready, (err: unknown) => fail(err instanceof Error ? err : new Error(String(err))));
      else ready();
    });
    try {
      client.connect({
        host: ep.address,
        port: ep.port,
        sock,
        username: ep.user,
        readyTimeout: settings.readyTimeout,
        keepaliveInterval: settings.keepaliveInterval,
        keepaliveCountMax: settings.keepaliveCountMax,
        algorithms: { serverHostKey: hostKeyOrder(settings.knownHosts.typesFor(name)) },
        hostVerifier: (key: Buffer) => {
          hostKey = `${keyLabel(keyTypeOf(key))} ${describeKey(key).split(" ")[1]}`;
          const v = verifyHostKey(ep, key, settings);
          pinned = v.pinned;
          if (v.error) failure.hostKeyError = v.error;
          return v.error === undefined;
        },
        authHandler: (_left, _partial, next) => {
          const attempt = attempts.shift();
          if (!attempt) {
            (next as unknown as (m: false) => void)(false);
            return;
          }
          failure.tried.push(attempt.label);
          identity = attempt.label;
          next(attempt.method);
        },
      });
    } catch (err) {
      fail(err);
    }
  });
}
