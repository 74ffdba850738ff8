/** How long a runner's registration (and a run's lease) lives without a heartbeat: FERRY_LEASE_SECONDS, else 30 s. */
export function leaseMsOf(env: Readonly<Record<string, string | undefined>>): number {
  const s = Number(env.FERRY_LEASE_SECONDS);
  return Number.isFinite(s) && s > 0 ? Math.round(s * 1000) : 30_000;
}
