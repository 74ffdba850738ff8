import type { Command } from "commander";

/** Placeholder until the engine lands: run, resume, rollback, status, gate. */
export function registerRunCommands(_program: Command): void {}
