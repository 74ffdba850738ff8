import type { Client, ClientChannel, SFTPWrapper } from "ssh2";
import { ActionError } from "../errors.js";
import { ChannelLimiter } from "./channel-limiter.js";
import { connectEndpoint } from "./connect.js";
import type { ConnectSettings, Connected } from "./connect.js";
import { describeEndpoint } from "./endpoint.js";
import type { Endpoint } from "./endpoint.js";
import { forwardThrough } from "./jump.js";

export interface PoolSettings extends ConnectSettings {
  /** Channels open at once per connection; lowered automatically when the server refuses. */
  maxChannelsPerHost: number;
}

/** Counters for tests, the dry run and the benchmark. */
export interface PoolStats {
  /** Connections alive now. */
  connections: number;
  /** Successful connects since the pool was made (including reconnects). */
  connects: number;
  /** Connects to a host whose earlier pooled connection had died. */
  reconnects: number;
  /** Session channels open now, over all connections. */
  openChannels: number;
  /** Most session channels open at once on one connection. */
  peakChannelsPerConnection: number;
  /** Channel opens the server refused (each was queued and retried). */
  refusedOpens: number;
}

/** One live, authenticated connection and its channel budget. */
export class PooledConnection {
  alive = true;
  /** Why it died (keepalive timeout, socket error), when it did. */
  closeReason?: Error;
  readonly limiter: ChannelLimiter;
  private readonly closeListeners = new Set<(reason: Error | undefined) => void>();

  constructor(
    readonly endpoint: Endpoint,
    readonly info: Connected,
    maxChannels: number,
  ) {
    this.limiter = new ChannelLimiter(maxChannels);
    const client = info.client;
    // An 'error' without a listener would crash the process; record it as the close reason.
    client.on("error", (err: Error) => {
      this.closeReason ??= err;
    });
    client.on("close", () => {
      this.alive = false;
      this.closeReason ??= new Error("the connection closed");
      this.limiter.failAll(this.closeReason);
      for (const l of [...this.closeListeners]) l(this.closeReason);
      this.closeListeners.clear();
    });
  }

  get client(): Client {
    return this.info.client;
  }

  /** Call `listener` once when the connection dies; returns an unsubscribe function. */
  onClose(listener: (reason: Error | undefined) => void): () => void {
    if (!this.alive) {
      listener(this.closeReason);
      return () => {};
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }
}

/** A session channel with its slot; `release` must be called once when it has closed. */
export interface Lease<T> {
  channel: T;
  release(): void;
}

/** Thrown when the connection died before a channel could be opened: nothing ran, reconnect. */
export class NotConnectedError extends Error {
  override name = "NotConnectedError";
}

function isOpenRefusal(err: unknown): boolean {
  return err instanceof Error && /Channel open failure/i.test(err.message);
}

/**
 * One connection per host (endpoint key) per run, shared by every step and application that
 * targets it. Concurrent first uses share one connect; a dead connection is dropped and the
 * next use reconnects. Jump hosts are pooled too, so a bastion carries one connection however
 * many hosts sit behind it.
 */
export class SshPool {
  private readonly entries = new Map<string, Promise<PooledConnection>>();
  private readonly everConnected = new Set<string>();
  private readonly live = new Set<PooledConnection>();
  private connects = 0;
  private reconnects = 0;
  private refusedOpens = 0;
  private peak = 0;
  private closed = false;

  constructor(readonly settings: PoolSettings) {}

  /** The pooled connection for `ep`, connecting (through its jump chain) when needed. */
  connection(ep: Endpoint): Promise<PooledConnection> {
    if (this.closed) return Promise.reject(new ActionError("pool-closed", "The SSH connection pool is closed", { outcome: "not-started" }));
    const existing = this.entries.get(ep.key);
    if (existing) return existing;
    const pending = this.open(ep).then(
      (conn) => {
        conn.onClose(() => {
          this.live.delete(conn);
          if (this.entries.get(ep.key) === pending) this.entries.delete(ep.key);
        });
        return conn;
      },
      (err: unknown) => {
        // A failed connect is not cached: a later step (or the engine's retry) tries again.
        if (this.entries.get(ep.key) === pending) this.entries.delete(ep.key);
        throw err;
      },
    );
    this.entries.set(ep.key, pending);
    return pending;
  }

  private async open(ep: Endpoint): Promise<PooledConnection> {
    const info = await this.connectRaw(ep);
    if (this.closed) {
      info.client.end();
      throw new ActionError("pool-closed", "The SSH connection pool is closed", { outcome: "not-started" });
    }
    const conn = new PooledConnection(ep, info, this.settings.maxChannelsPerHost);
    this.connects++;
    if (this.everConnected.has(ep.key)) this.reconnects++;
    this.everConnected.add(ep.key);
    this.live.add(conn);
    return conn;
  }

  /** Connect without pooling the result (the jump hops are still pooled). */
  async connectRaw(ep: Endpoint): Promise<Connected> {
    if (!ep.via) return connectEndpoint(ep, this.settings);
    const jump = await this.connection(ep.via);
    const sock = await forwardThrough(jump, ep);
    return connectEndpoint(ep, this.settings, sock);
  }

  /**
   * Open a session channel (exec or SFTP) within the connection's channel budget. When the
   * server refuses (its MaxSessions is lower than ours), the cap is lowered and the open is
   * queued and retried: a step never fails with "open failed" because of parallelism.
   */
  async openSession<T extends ClientChannel | SFTPWrapper>(
    conn: PooledConnection,
    signal: AbortSignal,
    open: (client: Client, done: (err: Error | undefined, channel: T) => void) => void,
  ): Promise<Lease<T>> {
    let refusals = 0;
    for (;;) {
      await conn.limiter.acquire(signal, refusals > 0).catch((err: unknown) => {
        if (signal.aborted) throw err;
        throw new NotConnectedError(`connection to ${conn.endpoint.name} closed while waiting for a channel`, { cause: err });
      });
      let channel: T;
      try {
        if (!conn.alive) throw new NotConnectedError(`connection to ${conn.endpoint.name} is closed`);
        channel = await new Promise<T>((resolve, reject) => {
          try {
            open(conn.client, (err, ch) => (err ? reject(err) : resolve(ch)));
          } catch (err) {
            reject(err instanceof Error && /Not connected/.test(err.message) ? new NotConnectedError(err.message) : err);
          }
        });
      } catch (err) {
        conn.limiter.release();
        if (err instanceof NotConnectedError || !conn.alive) throw err instanceof NotConnectedError ? err : new NotConnectedError(String(err), { cause: err });
        if (!isOpenRefusal(err)) throw err;
        this.refusedOpens++;
        refusals++;
        const others = conn.limiter.openNow;
        conn.limiter.refused(others);
        if (others === 0 && refusals > 8) {
          throw new ActionError("session-refused", `${describeEndpoint(conn.endpoint)} refuses to open a session even with none other open (${(err as Error).message})`, {
            outcome: "not-started",
            transient: true,
            hint: "Check MaxSessions and any ForceCommand/subsystem restrictions in the host's sshd_config.",
          });
        }
        // Wait for one of our channels to close (the server frees a slot) or a short backoff.
        await conn.limiter.nextRelease(Math.min(25 * 2 ** refusals, 1000));
        if (signal.aborted) throw signal.reason;
        continue;
      }
      conn.limiter.opened();
      this.peak = Math.max(this.peak, conn.limiter.openNow);
      let released = false;
      return {
        channel,
        release: () => {
          if (released) return;
          released = true;
          conn.limiter.release(true);
        },
      };
    }
  }

  /** Current counters. */
  stats(): PoolStats {
    let open = 0;
    for (const c of this.live) open += c.limiter.openNow;
    return {
      connections: this.live.size,
      connects: this.connects,
      reconnects: this.reconnects,
      openChannels: open,
      peakChannelsPerConnection: this.peak,
      refusedOpens: this.refusedOpens,
    };
  }

  /** Close every connection (targets first, then the jump hosts they go through). */
  async close(): Promise<void> {
    this.closed = true;
    const conns = [...this.live].sort((a, b) => depth(b.endpoint) - depth(a.endpoint));
    for (const conn of conns) {
      await new Promise<void>((resolve) => {
        if (!conn.alive) return resolve();
        const timer = setTimeout(() => {
          conn.client.destroy();
          resolve();
        }, 2000);
        conn.onClose(() => {
          clearTimeout(timer);
          resolve();
        });
        conn.client.end();
      });
    }
    this.entries.clear();
  }
}

function depth(ep: Endpoint): number {
  let d = 0;
  for (let v = ep.via; v; v = v.via) d++;
  return d;
}
