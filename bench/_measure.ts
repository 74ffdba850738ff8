import { spawn } from "node:child_process";
import { median } from "./table.js";

export interface Measured {
  wallMs: number;
  peakRssMb: number;
}

/**
 * Run a command `runs` times and report the median wall time and the median peak RSS, read from
 * GNU time's "maximum resident set size" when available, else the child's resourceUsage.
 */
export async function measure(cmd: string, args: string[], opts: { runs?: number; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Measured> {
  const walls: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < (opts.runs ?? 3); i++) {
    const started = process.hrtime.bigint();
    const peak = await new Promise<number>((resolve, reject) => {
      const child = spawn("/usr/bin/time", ["-f", "%M", cmd, ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ["ignore", "ignore", "pipe"] });
      let err = "";
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => {
        const kb = Number(err.trim().split("\n").pop());
        if (code !== 0 && code !== 1 && code !== 2) reject(new Error(`${cmd} ${args.join(" ")} exited ${code}: ${err.slice(-500)}`));
        else resolve(Number.isFinite(kb) ? kb / 1024 : NaN);
      });
    });
    walls.push(Number(process.hrtime.bigint() - started) / 1e6);
    rss.push(peak);
  }
  return { wallMs: median(walls), peakRssMb: median(rss) };
}
