/**
 * Measured durations for people: `180ms`, `4.2s`, `42s`, `4m10s`, `1h05m`. Estimates are written in
 * whole minutes (`20m`), but what a step took in a rehearsal may be a fraction of a second, and
 * the same column shows both.
 */
export function durationText(ms: number): string {
  const abs = Math.abs(ms);
  const sign = ms < 0 ? "-" : "";
  if (abs < 1000) return `${sign}${Math.round(abs)}ms`;
  if (abs < 10_000) return `${sign}${(Math.round(abs / 100) / 10).toFixed(1)}s`;
  if (abs < 60_000) return `${sign}${Math.round(abs / 1000)}s`;
  const totalSeconds = Math.round(abs / 1000);
  if (totalSeconds < 3600) return `${sign}${Math.floor(totalSeconds / 60)}m${String(totalSeconds % 60).padStart(2, "0")}s`;
  const minutes = Math.round(abs / 60_000);
  return `${sign}${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

/** A drift ratio as a signed percentage: `+25%`, `-8%`, `±0%`. */
export function driftText(drift: number): string {
  const pct = Math.round(drift * 100);
  return pct === 0 ? "±0%" : `${pct > 0 ? "+" : ""}${pct}%`;
}
