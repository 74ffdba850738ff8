/**
 * The one place the plan hash is spelled in its forms. A plan records it as `sha256:<hex>`;
 * approval files are named by the bare hex; locks and other short labels use the first 16 hex
 * digits. Anything that needs one of these forms asks here instead of slicing the string.
 */

/** A tagged SHA-256 digest, `sha256:` and 64 lowercase hex digits: plan hashes and input digests. */
export const SHA256_TAGGED = /^sha256:[0-9a-f]{64}$/;

const PREFIX = "sha256:";
/** Hex digits in the short form: enough to tell plans apart in a lock or file name. */
const SHORT_HEX = 16;

/** The forms of one plan hash. */
export interface PlanHashForms {
  /** `sha256:<64 hex>`, as the plan records it. */
  full: string;
  /** The 64 hex digits alone, as approval file names carry them. */
  hex: string;
  /** The first 16 hex digits, as lock names carry them. */
  short: string;
}

/**
 * Split a plan hash into its forms. The hash comes from a plan that passed its schema, so a
 * malformed one is a bug in the caller and throws.
 */
export function planHashForms(planHash: string): PlanHashForms {
  if (!SHA256_TAGGED.test(planHash)) {
    throw new Error(`not a plan hash: expected sha256:<64 lowercase hex digits>, got ${JSON.stringify(planHash)}; pass the \`hash\` of a parsed plan`);
  }
  const hex = planHash.slice(PREFIX.length);
  return { full: planHash, hex, short: hex.slice(0, SHORT_HEX) };
}

/** `<hex>-wave-<n>.yaml`: the name of the approval of one wave of a plan, inside `approvals/`. */
export function approvalFileName(planHash: string, wave: number): string {
  if (!Number.isInteger(wave) || wave < 1) throw new Error(`not a wave number: expected an integer from 1, got ${wave}; pass the number of a wave of the plan`);
  return `${planHashForms(planHash).hex}-wave-${wave}.yaml`;
}
