/**
 * The one registry of error and warning codes. Each code appears in `--json` output and in
 * docs/errors.md (a test keeps the two in step). `exit` is the process exit code the CLI uses
 * when this is the reason it stops.
 */
export const CODES = {
  // Reading documents
  "yaml-syntax": { exit: 2, summary: "The file is not valid YAML (or has a duplicate key, or is too large or deep)." },
  "missing-header": { exit: 2, summary: "The document lacks `apiVersion: ferry/v1` or the right `kind`." },
  "unknown-key": { exit: 2, summary: "A key the schema does not know; usually a typo." },
  "missing-field": { exit: 2, summary: "A required field is absent." },
  "wrong-type": { exit: 2, summary: "A value has the wrong type or is not one of the allowed values." },
  "invalid-value": { exit: 2, summary: "A value is malformed (id, date, duration, prefix, address) or out of range." },
  "duplicate-id": { exit: 2, summary: "Two entries of one kind share an id." },
  "unknown-reference": { exit: 2, summary: "A reference names something that does not exist (host, site, application, runbook…)." },
  "missing-folder": { exit: 2, summary: "A reference points into a folder (estate/, runbooks/, stacks/) that is absent." },
  "duplicate-calendar": { exit: 2, summary: "More than one estate file defines `calendar`." },
  "invalid-range": { exit: 2, summary: "A date range ends before it starts." },
  "template-unresolved": { exit: 2, summary: "A `{{ path }}` in a runbook names nothing the runbook can see." },
  "template-syntax": { exit: 2, summary: "A template is malformed; only `{{ dotted.path }}` lookups are allowed." },
  "step-cycle": { exit: 2, summary: "Runbook steps' `needs:` form a cycle; the message prints the path." },
  "address-outside-site": { exit: 0, summary: "Warning: a host's address lies in none of its site's networks." },
  "network-overlap": { exit: 0, summary: "Warning: networks at different sites overlap: they must be re-addressed before they can be joined." },
  "self-dependency": { exit: 2, summary: "An application depends on itself." },
  // Command line
  usage: { exit: 2, summary: "A command-line flag is missing or has a bad value." },
  "file-not-found": { exit: 2, summary: "A file or folder named on the command line does not exist." },
  internal: { exit: 70, summary: "A bug in ferry. Please report it with the command and `FERRY_DEBUG=1` output." },
} as const satisfies Record<string, { exit: number; summary: string }>;

export type ErrorCode = keyof typeof CODES;
