import type { Command } from "commander";

/** Placeholder until the owning layer lands; replaced by its real command. */
export function registerApprove(_program: Command): void {}
