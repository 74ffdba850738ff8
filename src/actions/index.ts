import { createApprovalAction } from "./approval.js";
import { createDnsAction } from "./dns.js";
import type { DnsActionOptions } from "./dns.js";
import { createHttpAction } from "./http.js";
import type { HttpActionOptions } from "./http.js";
import { createLocalAction } from "./local.js";
import type { LocalActionOptions } from "./local.js";
import { createPulumiAction } from "./pulumi.js";
import { createSshActions } from "./ssh/index.js";
import type { SshActions, SshOptions } from "./ssh/index.js";
import type { PulumiActionOptions } from "./pulumi.js";
import { createTcpAction } from "./tcp.js";
import type { TcpActionOptions } from "./tcp.js";
import type { ActionRegistry } from "./types.js";
import { createWaitAction } from "./wait.js";

export interface CreateActionsOptions {
  /**
   * Options of the `ssh` and `copy` actions (one connection pool per run); `false` leaves
   * them out, for runs and tests that use no SSH. @default {}
   */
  ssh?: SshOptions | false;
  local?: LocalActionOptions;
  http?: HttpActionOptions;
  tcp?: TcpActionOptions;
  dns?: DnsActionOptions;
  pulumi?: PulumiActionOptions;
}

export interface Actions {
  registry: ActionRegistry;
  /** Release pooled resources (SSH connections) at the end of a run. */
  close(): Promise<void>;
}

/**
 * Every action a run can use, by kind, with one `close()` for the end of the run (it closes
 * the SSH connections). Cheap to call: SSH connects on first use, and Pulumi's Automation API
 * is loaded only when a pulumi step runs.
 *
 * @example
 * const actions = createActions({ ssh: { acceptNew: false } });
 * try { await runWave(plan, actions.registry); } finally { await actions.close(); }
 */
export function createActions(opts: CreateActionsOptions = {}): Actions {
  const ssh: SshActions | undefined = opts.ssh === false ? undefined : createSshActions(opts.ssh ?? {});
  const registry: ActionRegistry = {
    ...(ssh ? { ssh: ssh.ssh, copy: ssh.copy } : {}),
    local: createLocalAction(opts.local),
    http: createHttpAction(opts.http),
    tcp: createTcpAction(opts.tcp),
    dns: createDnsAction(opts.dns),
    wait: createWaitAction(),
    approval: createApprovalAction(),
    pulumi: createPulumiAction(opts.pulumi),
  };
  return {
    registry,
    async close() {
      // ssh and copy share one pool: close it once, through its owner.
      const others = Object.values(registry).filter((a) => a !== undefined && a.kind !== "ssh" && a.kind !== "copy");
      await Promise.allSettled([ssh?.close(), ...others.map((a) => a!.close?.())]);
    },
  };
}

export { createApprovalAction, createDnsAction, createHttpAction, createLocalAction, createPulumiAction, createTcpAction, createWaitAction };
export type { DnsActionOptions, HttpActionOptions, LocalActionOptions, PulumiActionOptions, SshOptions, TcpActionOptions };
