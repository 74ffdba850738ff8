/**
 * The one registry of error and warning codes. Each code appears in `--json` output and in
 * docs/errors.md (a test keeps the two in step). `exit` is the process exit code the CLI uses
 * when this is the reason it stops.
 */
export const CODES = {
  // Reading documents
  "input-invalid": { exit: 2, summary: "One or more input documents are invalid; each finding is printed as `file:line:col: message [code]` with its own code." },
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
  "requirement-undeclared": { exit: 2, summary: "A runbook reads `{{ env.X }}` but does not declare X under `requires.env`, so operators cannot tell what to provide." },
  "requirements-missing": { exit: 2, summary: "The operator's machine lacks environment variables or tools the wave's runbooks declare under `requires`; the message names every one, and nothing has connected." },
  "step-cycle": { exit: 2, summary: "Runbook steps' `needs:` form a cycle; the message prints the path." },
  "address-outside-site": { exit: 0, summary: "Warning: a host's address lies in none of its site's networks." },
  "network-overlap": { exit: 0, summary: "Warning: networks at different sites overlap: they must be re-addressed before they can be joined." },
  "self-dependency": { exit: 2, summary: "An application depends on itself." },
  // Address plan (`ferry network`): conflicts exit 1
  "target-collision": { exit: 1, summary: "A legacy network overlaps part of the target address plan (hub, spoke, another site's allocation); it must be re-addressed." },
  "target-overlap": { exit: 1, summary: "Two prefixes of the target plan overlap (VNets, allocations, or subnets of one VNet)." },
  "outside-supernet": { exit: 1, summary: "A target prefix lies outside `network.supernet` (or is not a prefix)." },
  "outside-vnet": { exit: 1, summary: "A subnet lies outside the address space of its VNet." },
  "subnet-too-small": { exit: 1, summary: "A subnet is smaller than Azure allows (GatewaySubnet /27, AzureFirewallSubnet and AzureBastionSubnet /26, /29 at least) or than its declared hosts plus Azure's 5 reserved addresses." },
  "legacy-in-supernet": { exit: 0, summary: "Warning: a legacy network squats inside the supernet outside every allocation; it is mapped to its site's allocation." },
  "no-allocation": { exit: 1, summary: "A legacy network must move but its site has no allocation in `network.sites` (informational when the site closes)." },
  "allocation-full": { exit: 1, summary: "A site's allocation has no free block of the size a legacy network needs." },
  // Deploying stacks (`ferry deploy`)
  "pulumi-missing": { exit: 2, summary: "The `pulumi` CLI is not on PATH; the Automation API needs it. Install it and retry." },
  "deploy-failed": { exit: 1, summary: "`pulumi preview` or `pulumi up` failed; the engine's message says why." },
  "stack-locked": { exit: 1, summary: "Another update holds the Pulumi stack's lock (a pipeline run, or one that died); ferry never cancels it. Wait for it, or after checking that nothing runs, `pulumi cancel --stack <env>`." },
  "stack-drift": { exit: 1, summary: "`ferry deploy --preview --expect-no-changes` found changes: Azure differs from the stack (drift) or the code changed without a deploy." },
  "config-missing": { exit: 2, summary: "A stack lacks a secret the program needs (e.g. `ferry:vpnSharedKey`) or its `encryptionsalt`: run `ferry deploy --stack <env> --init` once." },
  "no-audience": { exit: 0, summary: "Warning: RemoteApps would be published to nobody: `desktops.userGroups` is empty and the applications have no `params.userGroups`." },
  // Planning (warnings in a plan's `warnings`, and refusals of a plan)
  "dependency-cycle": { exit: 0, summary: "Warning: applications in an order cycle were merged into one group and move in one wave." },
  "site-deadline": { exit: 0, summary: "Warning: applications on a closing site, or whose `supportEnds`/`contractEnds` date comes first, could not be placed in a wave on or before that deadline." },
  "retention-expired": { exit: 0, summary: "Warning: a data set marked `migrate` is past its `retainUntil` date by its application's wave; decide archive or destroy." },
  "window-overrun": { exit: 0, summary: "Warning: a wave is expected to run past its maintenance window at P90 (from the runbooks' estimates and measured actuals, under the run's limits) and no later wave could take enough of it; the message names the critical path." },
  "reip-required": { exit: 0, summary: "Warning: an application's source network overlaps another legacy network or the target address plan, and its re-addressing could not be planned before the move (capacity, deadline); the message names the interim option, NAT through the hub firewall." },
  "no-calendar": { exit: 0, summary: "Warning: the estate has no `calendar`, so nothing could be placed in a wave." },
  "unknown-timezone": { exit: 0, summary: "Warning: the calendar's window timezone is unknown to this system; windows are given in UTC." },
  "plan-invalid": { exit: 2, summary: "A file given as a plan is not valid JSON or not a ferry plan." },
  "plan-tampered": { exit: 2, summary: "The plan's content does not match its `hash`: it was edited after `ferry plan` wrote it." },
  "plan-drift": { exit: 2, summary: "The estate, a stack config or a runbook changed since the plan was made (its `inputsDigest` no longer matches)." },
  "plan-not-reproducible": { exit: 2, summary: "Planning the current inputs does not give this plan: it was edited (its hash recomputed) or names a stack that does not exist. The message names the first difference; re-run `ferry plan`." },
  "wave-not-found": { exit: 2, summary: "The plan has no wave with that number." },
  // Step actions (src/actions/): a failed step ends its application rolled back (run exit 1)
  "host-unreachable": { exit: 1, summary: "A host or service could not be reached (connection refused, name does not resolve, no answer to connect); nothing ran." },
  timeout: { exit: 1, summary: "A step ran past its timeout; its process tree (or remote command) was killed. It may have taken effect." },
  aborted: { exit: 130, summary: "A running step was stopped by the operator (second SIGINT/SIGTERM); it may have taken effect." },
  "command-failed": { exit: 1, summary: "A command exited with a status the step did not expect (`expectExit`, default 0); the message ends with its stderr." },
  "host-key": { exit: 1, summary: "A host's SSH key is unknown, changed or revoked; refused before authentication. The message names the host and both fingerprints; `--accept-new` pins unknown keys only, never changed ones." },
  "auth-failed": { exit: 1, summary: "SSH authentication was refused (the message lists the keys tried), or sudo refused the password; nothing ran." },
  "connection-lost": { exit: 1, summary: "The SSH connection died while a command or copy ran (killed session, keepalive timeout); it may have taken effect, so it is retried only when the step is idempotent." },
  "unknown-host": { exit: 1, summary: "An `ssh`/`copy` step names a host that is not in the estate (or a jump-host chain loops)." },
  "session-refused": { exit: 1, summary: "The SSH server refuses to open any session even with none open (MaxSessions 0, ForceCommand or subsystem restrictions)." },
  "copy-failed": { exit: 1, summary: "An SFTP copy failed (missing remote path, permissions, full disk) or its checksum could not be computed on the host." },
  "checksum-mismatch": { exit: 1, summary: "After a copy, a file's SHA-256 on the host differs from the local one; the copy may be retried." },
  "pool-closed": { exit: 1, summary: "An `ssh`/`copy` step started after the run closed its SSH connections (an engine bug); nothing ran." },
  "probe-failed": { exit: 1, summary: "A probe answered, but not as expected: HTTP status or body, DNS answer, TCP port open/closed, Pulumi preview with changes." },
  "output-not-json": { exit: 1, summary: "A step with `json: true` printed something that is not one JSON document (or too much to parse)." },
  "spawn-failed": { exit: 1, summary: "A local command could not be started: its working directory or the shell does not exist." },
  "invalid-spec": { exit: 1, summary: "A rendered step cannot be used: bad URL, port, regex, JSON path, DNS server, or an unreadable CA file. Nothing ran." },
  "tls-untrusted": { exit: 1, summary: "An HTTPS server's certificate is not trusted. Add `ca:` with the CA's PEM file, or fix the certificate." },
  "gate-waiting": { exit: 4, summary: "An application waits at an approval gate: `ferry gate approve RUN --app A --step S --by NAME`, then `ferry resume RUN`." },
  "gate-approver-not-allowed": { exit: 4, summary: "An approval gate was released by someone who is not among its `approvers`; it still waits." },
  "pulumi-concurrent-update": { exit: 1, summary: "Another update of the Pulumi stack is in progress; ferry never cancels it. Wait, or investigate before `pulumi cancel`." },
  "pulumi-failed": { exit: 1, summary: "`pulumi preview`, `up` or `refresh` failed in a step; after a failed `up`, check the stack's pending operations." },
  // Command line
  usage: { exit: 2, summary: "A command-line flag is missing or has a bad value." },
  "path-unusable": { exit: 2, summary: "A file ferry was asked to write (a plan, a pack, an approval, `--out`) cannot be written there: permission denied, a read-only file system, a full disk, or a file where a folder should be. The message names the path." },
  "file-not-found": { exit: 2, summary: "A file or folder named on the command line does not exist." },
  // Runs (`ferry run`, `resume`, `rollback`, `status`, `gate approve`; src/runs/, src/engine/)
  "approval-missing": { exit: 2, summary: "Change control requires a change-board approval of this wave (`approvals/<plan-hash-hex>-wave-<n>.yaml`) and there is none: `ferry approve` it first." },
  "approval-invalid": { exit: 2, summary: "The approval file for this wave does not match the plan: another plan hash, another wave, or inputs that changed since it was approved." },
  "outside-window": { exit: 2, summary: "The wave is outside its approved window, in a change freeze, or an application is in its blackout: `ferry run` refuses unless `--emergency \"REASON\"` is given (journalled with who and why). `--dry-run` runs at any time." },
  "window-closed": { exit: 0, summary: "Warning: the wave's approved window closed while its run is still going (told once, on the terminal and as a `warning` line under `--json`): decide whether to let it finish or stop and roll back." },
  "rollback-decision-point": { exit: 0, summary: "Warning: during a run, the wave's forecast end (from the remaining steps' estimates and the time taken so far) passed the plan's rollback decision point: if rolling back does not start by then, the rollback will not finish inside the window. Told once." },
  "app-not-in-wave": { exit: 2, summary: "`--only` names an application that is not in the wave." },
  "runbook-changed": { exit: 2, summary: "A runbook (or the estate or a stack config) changed since the run started; resume refuses unless `--accept-changes` (journalled)." },
  "not-uncertain": { exit: 2, summary: "`--step-done`/`--step-failed`/`--step-retry` named a step that is not uncertain: there is nothing to settle." },
  "gate-not-waiting": { exit: 2, summary: "`ferry gate approve` named a step that is not an approval gate waiting for release." },
  "approval-refused": { exit: 2, summary: "A gate approval was refused: the approver is not on the gate's list, approves their own run, or names another plan." },
  "unknown-app": { exit: 2, summary: "The run has no application with that id." },
  "unknown-step": { exit: 2, summary: "The application's runbook has no step with that id." },
  "run-finished": { exit: 2, summary: "The run has already finished; there is nothing to resume (see `ferry status RUN`, or `ferry rollback RUN`)." },
  "run-not-finished": { exit: 2, summary: "Issued by earlier builds when `ferry rollback` was given a run that had not finished. `ferry rollback` now takes a run in any state no process works on (finished, failed, paused, interrupted); a live run is `run-locked`." },
  "run-paused": { exit: 2, summary: "`ferry resume` without `--retry-failed` on a run whose only work left is applications paused where they failed (`--on-failure pause`): fix the cause, then `ferry resume RUN --retry-failed`, or `ferry rollback RUN --app A`." },
  "not-paused": { exit: 2, summary: "`ferry resume --retry-failed` on a run (or `--app`) with no application paused where it failed: there is no failed step to run again." },
  "nothing-to-roll-back": { exit: 2, summary: "`ferry rollback` found nothing to undo: the run (or the `--app` named) changed nothing that is not already rolled back, or it is uncertain or its rollback failed, for a person to settle first." },
  "step-uncertain": { exit: 4, summary: "A non-idempotent step may or may not have taken effect (ferry stopped while it ran); inspect it, then `ferry resume RUN --step-done S` or `--step-failed S`." },
  "rollback-failed": { exit: 3, summary: "A rollback failed: the application is half-undone and the message lists the steps a person must finish by hand." },
  interrupted: { exit: 130, summary: "The run stopped on SIGINT/SIGTERM after journalling where it was; `ferry resume RUN` continues it." },
  "preflight-failed": { exit: 1, summary: "`--dry-run`: a host or service a step needs is unreachable, its key is unknown or changed, or authentication failed. Nothing ran." },
  "action-unavailable": { exit: 1, summary: "A step uses an action this build does not provide." },
  "action-error": { exit: 1, summary: "An action failed in a way it did not classify; its side effect is treated as unknown." },
  // Run journal and locks (src/journal/)
  "journal-io": { exit: 74, summary: "Writing or syncing the run journal failed (disk full, I/O error); the run stopped without retrying. Fix the disk, then resume." },
  "journal-corrupt": { exit: 2, summary: "The run journal is damaged beyond a torn last line (bad checksum, broken hash chain, missing or reordered record); the message names the file, byte offset and record." },
  "journal-empty": { exit: 2, summary: "The run's journal has no records: ferry stopped between creating it and writing the run's first record, so nothing ran. `ferry discard RUN` removes it." },
  "journal-head-mismatch": { exit: 2, summary: "The run's journal does not reach a head known from outside it (`--expect-head`, or `.ferry/heads.ndjson`): it was cut back or rewritten. Resume refuses: steps it no longer records would run again." },
  "journal-torn-tail": { exit: 0, summary: "Warning: the journal's last line was incomplete (a crash mid-write); it was dropped and the file truncated to the last good record." },
  "journal-exists": { exit: 2, summary: "A journal already exists for this run id; resume it or start a new run." },
  "journal-not-found": { exit: 2, summary: "No journal for this run id under the state directory." },
  "state-dir-unsafe": { exit: 2, summary: "The state directory (or a run directory or journal in it) is writable by group or others; the message gives the chmod that fixes it." },
  "lease-lost": { exit: 75, summary: "This process's lease on the run expired or was taken over by another process (`ferry resume` elsewhere); the database refuses its records (fencing token), so it stopped. `ferry status RUN` shows who holds the run now." },
  "run-locked": { exit: 2, summary: "Another ferry process holds the lock for this wave or run; the message names who and since when." },
  "earlier-run": { exit: 2, summary: "An earlier run of the same plan and wave still holds applications (it is not finished, or they succeeded there): a new run would repeat their steps. Resume or roll back that run, or leave them out with `--only`." },
  // Team state on PostgreSQL (`--state postgres://…`, src/state/postgres/)
  "state-url-invalid": { exit: 2, summary: "`--state` (or `FERRY_STATE`) is not a usable PostgreSQL connection string: malformed, no host or database, an unknown or unsafe `sslmode` (`prefer`/`allow`), a remote server without `sslmode`, or an unreadable certificate or password file. The message shows the string without its password." },
  "state-unreachable": { exit: 69, summary: "The state database could not be reached or stopped answering (refused, timed out, restarting, no such database). ferry acts on nothing it could not record; once the server answers, `ferry resume RUN` continues." },
  "state-auth-failed": { exit: 2, summary: "The state database refused the user: wrong or missing password (URL, `PGPASSWORD`, or the password file: `?passfile=`, `PGPASSFILE`, `~/.pgpass`), or `pg_hba.conf` does not admit this machine. The password is never printed." },
  "state-tls-failed": { exit: 2, summary: "TLS to the state database failed: the server does not offer it, or its certificate does not verify against `sslrootcert` (or the system's CAs) for the `sslmode` given." },
  "state-schema-outdated": { exit: 2, summary: "The state database's schema is older than this ferry needs (or has never been created): run `ferry state migrate --state URL`. The message gives both versions." },
  "state-schema-newer": { exit: 2, summary: "The state database's schema is newer than this ferry knows: a newer ferry migrated it. Upgrade ferry on this machine; never migrate down a team's database." },
  "state-migrate-failed": { exit: 1, summary: "`ferry state migrate` could not apply a migration (permissions of the role, a conflicting object); nothing of that migration was kept (each runs in a transaction). The message names the migration." },
  "runner-project-differs": { exit: 2, summary: "A site runner refused an application job: its project (plan, estate, runbooks) does not give the plan the wave was queued from. Give every runner the same commit of the project as the operator." },
  "runner-missing": { exit: 4, summary: "`ferry run --runners`: a site of the wave has no live runner (none registered, or its heartbeat stopped), so its applications wait in the queue; ferry reports them instead of waiting. Start `ferry runner --site S` there: it takes them." },
  internal: { exit: 70, summary: "A bug in ferry. Please report it with the command and `FERRY_DEBUG=1` output." },
  // Importing exports (`ferry import`, src/import/)
  "import-missing-column": { exit: 2, summary: "An import file lacks a column the import needs; the message names the column, the file and the sheet, and lists the columns it has." },
  "import-unreadable": { exit: 2, summary: "An import file is not a readable CSV or `.xlsx` workbook (broken quoting, empty, not a workbook), or an import's `.base.json` record is damaged." },
  "import-bad-row": { exit: 0, summary: "Warning: a row of an import file could not be used (no IP address, bad prefix, unknown relationship end) and was skipped; the message names its line or row, and the rest imported." },
  "import-conflict": { exit: 0, summary: "Warning: two sources disagree about one entry, or a field a person edited in an imported file changed in the source too; the estate's value is kept." },
  "import-missing-entry": { exit: 0, summary: "Warning: an entry an earlier import wrote is no longer in the export; it is marked `missing:` in the file and kept until a person deletes it." },
  "import-invalid-result": { exit: 2, summary: "The estate would not validate after the import, so nothing was written; fix the findings (or the mapping in `import.yaml`), or pass `--force`." },
  // Planning over time (issue 19)
  "unknown-event": { exit: 2, summary: "An application's `blackouts` names an event that `calendar.events` does not define." },
  "keep-invalid": { exit: 2, summary: "The plan given to `ferry plan --keep` (or `calendar.keep`) cannot be read, does not verify against its hash, or is not a plan." },
  "kept-wave-conflict": { exit: 0, summary: "Warning: a wave kept from an earlier plan (approved or run) no longer satisfies a planning rule (a new dependency, blackout, freeze or capacity); it is kept as it was and the warning names the rule, for the board to decide." },
  // Safety: nothing leaks, nothing escapes (issue 12)
  "path-outside-project": { exit: 2, summary: "A local path (`copy` `from`/`to`, `local` `cwd`, `http` `ca`) made from a value leaves the project directory, or the folder the runbook names before the value; refused before anything runs." },
  "known-hosts-unsafe": { exit: 2, summary: "A known_hosts file ferry trusts (or its folder) can be written by group or others, or belongs to another user, so anyone could add a key to it; refused before connecting, as OpenSSH's StrictModes does. The message gives the chmod that fixes it." },
  // Signed approvals and evidence (issue 14)
  "approval-unsigned": { exit: 2, summary: "Change control sets `requireSignedApprovals` and the approval (or gate release) carries no SSH signature: re-approve with `ferry approve --key FILE` (or a key in ssh-agent)." },
  "signature-invalid": { exit: 2, summary: "A signature does not verify: the signed file was changed after signing, the signature was made for another namespace (not `ferry-approval`), or it is not an OpenSSH SSHSIG signature. The message names the file." },
  "signer-not-allowed": { exit: 2, summary: "The signing key is not trusted for this: `approvals/allowed_signers` does not list it (or not for the named principal), it is past its `valid-before`, it is in `approvals/revoked_keys`, it lacks the role `changeControl` requires, or it is the run operator's own key (four eyes)." },
  "signing-failed": { exit: 2, summary: "ferry could not sign: no `--key` and no usable key in ssh-agent for the principal, an unreadable key, or `ssh-keygen` failed; the message says which." },
  "evidence-incomplete": { exit: 2, summary: "`ferry evidence` cannot assemble the bundle: the run is not finished, its journal does not reach the head recorded in heads.ndjson, or its plan, approval or a runbook is no longer the one the run used." },
  "evidence-invalid": { exit: 1, summary: "`ferry verify` found a failed check in an evidence bundle (a hash, the journal's chain or head, a signature, or the run against its approved plan and wave); each check is reported." },
} as const satisfies Record<string, { exit: number; summary: string }>;

export type ErrorCode = keyof typeof CODES;

/**
 * The one base of every error a user can act on. `code` is a key of {@link CODES}, so it is
 * type-checked where the error is made and the CLI maps it to its exit status without guessing
 * from the error's shape; `hint` is one sentence saying what to do next. Anything thrown that is
 * not a FerryError is a bug (exit 70).
 */
export class FerryError extends Error {
  override name = "FerryError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }

  /** The process exit status when this error ends a command. */
  get exitStatus(): number {
    return CODES[this.code].exit;
  }
}
