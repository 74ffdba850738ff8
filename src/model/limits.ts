/**
 * Defaults of a run's limits, written once: the engine applies them, the CLI's help shows them,
 * and the journal records what a run actually used.
 */

/** Applications a run works on at once when `--concurrency` is not given. */
export const DEFAULT_CONCURRENCY = 10;
