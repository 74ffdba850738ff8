/**
 * Durations as people write them in runbooks and estates: `45s`, `20m`, `3h`, `1h30m` (and
 * `250ms`, `2d`). One grammar for every duration ferry reads: the runbook's `timeout` uses it
 * too (model/common.ts), so an estimate is written exactly like a timeout.
 */
import { durationMs, formatDuration } from "../model/common.js";

const WHOLE = /^(\d+(ms|s|m|h|d))+$/;

/** Milliseconds in `text`, or undefined when it is not a duration such as `20m` or `1h30m`. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  return WHOLE.test(t) ? durationMs(t) : undefined;
}

/** Short form for messages and the pack: `1h30m`, `20m`, `45s` (minutes rounded below an hour's scale). */
export function formatEstimate(ms: number): string {
  if (ms < 60_000) return formatDuration(Math.round(ms / 1000) * 1000);
  const minutes = Math.round(ms / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h === 0 ? `${m}m` : m === 0 ? `${h}h` : `${h}h${m}m`;
}
