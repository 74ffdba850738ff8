/**
 * A suite that needs a tool this machine lacks skips and says why, on a developer's machine.
 * In CI (`CI` set) it fails instead: a green CI run must mean the real thing was tested.
 */
export function skipUnlessCi(reason: string | undefined): string | undefined {
  if (reason !== undefined && process.env.CI) throw new Error(`${reason} (CI runs every suite: .ci/run must install it)`);
  return reason;
}
