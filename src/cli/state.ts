/** `ferry state migrate|status`: flags, text and exit codes around src/state/postgres/migrate.ts. */
import { CODES } from "../model/codes.js";
import { UsageError } from "../model/diagnostics.js";
import { isPostgresUrl, openPool } from "../state/postgres/connect.js";
import { migrate, schemaStatus } from "../state/postgres/migrate.js";
import { listRunners } from "../state/postgres/runners.js";

export interface StateDbFlags {
  state?: string;
  json?: boolean;
}

/** The database URL of `--state` or FERRY_STATE, or a usage error saying how to give one. */
export function stateUrl(flags: StateDbFlags, env: NodeJS.ProcessEnv = process.env): string {
  const url = flags.state ?? env.FERRY_STATE;
  if (url === undefined || url.trim() === "")
    throw new UsageError("this command needs the team's PostgreSQL database: --state postgres://USER@HOST/DB?sslmode=verify-full, or FERRY_STATE (see docs/team.md)");
  if (!isPostgresUrl(url)) throw new UsageError(`--state must be a PostgreSQL connection string (postgres://…) here; a state folder has no schema to migrate`);
  return url;
}

export async function stateMigrateCommand(flags: StateDbFlags): Promise<number> {
  const { pool, config } = await openPool(stateUrl(flags), { max: 2 });
  try {
    const result = await migrate(pool, config);
    if (flags.json) process.stdout.write(JSON.stringify({ ok: true, database: config.location, ...result }) + "\n");
    else if (result.applied.length === 0) process.stdout.write(`${config.location}: schema already at version ${result.after}; nothing to migrate\n`);
    else process.stdout.write(`${config.location}: schema version ${result.before} → ${result.after}\n${result.applied.map((m) => `  applied ${m}\n`).join("")}`);
    if (!flags.json && result.listed > 0) process.stdout.write(`  kept the status listing of ${result.listed} finished run(s) from before\n`);
    return 0;
  } finally {
    await pool.end();
  }
}

export async function stateStatusCommand(flags: StateDbFlags): Promise<number> {
  const { pool, config } = await openPool(stateUrl(flags), { max: 1 });
  try {
    const s = await schemaStatus(pool);
    // Site runners registered in the last day, live ones first (absent before the first migration).
    const runners = s.applied.some((m) => m.name === "0002_runners") ? (await listRunners(pool)).filter((r) => r.live || Date.now() - Date.parse(r.heartbeatAt) < 86_400_000) : [];
    const newer = s.unknown.length > 0 || s.current > s.required;
    const ok = !newer && s.pending.length === 0;
    const code: keyof typeof CODES | undefined = ok ? undefined : newer ? "state-schema-newer" : "state-schema-outdated";
    if (flags.json) {
      process.stdout.write(JSON.stringify({ ok, database: config.location, ...(code ? { code } : {}), ...s, runners }) + "\n");
    } else {
      process.stdout.write(`${config.location}\n  schema version ${s.current}, this ferry needs ${s.required}\n`);
      if (s.pending.length) process.stdout.write(`  not applied: ${s.pending.join(", ")}: run \`ferry state migrate\`\n`);
      if (s.unknown.length) process.stdout.write(`  applied by a newer ferry: ${s.unknown.join(", ")}: upgrade ferry\n`);
      process.stdout.write(`  runners' job queue: ${s.queue ? "present" : "absent (ferry state migrate creates it)"}\n`);
      for (const r of runners) process.stdout.write(`  runner ${r.runnerId} (site ${r.site}, ${r.owner}@${r.hostname}): ${r.live ? `live, heartbeat ${r.heartbeatAt}` : r.stopped ? `stopped ${r.expiresAt}` : `no heartbeat since ${r.heartbeatAt}`}\n`);
    }
    return code ? CODES[code].exit : 0;
  } finally {
    await pool.end();
  }
}
