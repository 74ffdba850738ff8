import { setTimeout as sleep } from "node:timers/promises";
import { abortError } from "./abort.js";
import type { Action, ActionContext, ActionOutput } from "./types.js";
import { durationMs } from "../model/common.js";
import type { WaitSpec } from "../model/runbook.js";

/**
 * The `wait` action: pause for a duration (`wait: 30s` or `wait: { for: 30s }`), cut short
 * by the step's signal. `0s` returns at once without a timer, so no-op steps cost nothing.
 */
export function createWaitAction(): Action<"wait"> {
  return {
    kind: "wait",
    async run(ctx: ActionContext, spec: WaitSpec): Promise<ActionOutput> {
      const ms = durationMs(typeof spec === "string" ? spec : spec.for);
      if (ctx.signal.aborted) throw abortError(ctx.signal, "the wait did not start", "not-started");
      if (ms === 0) return { waitedMs: 0 };
      try {
        await sleep(ms, undefined, { signal: ctx.signal });
      } catch {
        throw abortError(ctx.signal, `the wait of ${ms} ms was cut short`, "not-started");
      }
      return { waitedMs: ms };
    },
  };
}
