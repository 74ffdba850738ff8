import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ActionError, AuthError, CommandFailedError, StepTimeoutError } from "../../../src/actions/errors.js";
import type { SshActions } from "../../../src/actions/ssh/index.js";
import { shellQuote } from "../../../src/actions/shell-quote.js";
import { descendants, ensureSudoUser, sshdMissingReason } from "../../harness/sshd.js";
import type { Sshd } from "../../harness/sshd.js";
import { hostFor, makeCtx, startSshdWithActions, stopSshdWithActions } from "./helpers.js";

const missing = sshdMissingReason();

describe.skipIf(missing)(`ssh action against a real sshd${missing ? ` (skipped: ${missing})` : ""}`, () => {
  let sshd: Sshd;
  let actions: SshActions;
  const host = () => hostFor("app01", sshd);

  beforeAll(async () => {
    ({ sshd, actions } = await startSshdWithActions({ killGraceMs: 1000 }));
  });
  afterAll(() => stopSshdWithActions({ sshd, actions }));

  it("runs a command and returns its exit code and trimmed output, streaming each line", async () => {
    const ctx = makeCtx([host()]);
    const out = await actions.ssh.run(ctx, { host: "app01", run: "echo one; echo two; echo oops >&2" });
    expect(out).toMatchObject({ exitCode: 0, stdout: "one\ntwo", stderr: "oops" });
    expect(ctx.lines).toEqual(
      expect.arrayContaining([
        { stream: "stdout", line: "one" },
        { stream: "stdout", line: "two" },
        { stream: "stderr", line: "oops" },
      ]),
    );
    expect(ctx.lines.some((l) => l.line.includes("__ferry_"))).toBe(false);
  });

  it("fails with CommandFailedError carrying the exit code and stderr tail when the exit is unexpected", async () => {
    const err = await actions.ssh.run(makeCtx([host()]), { host: "app01", run: "echo broken >&2; exit 3" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandFailedError);
    expect(err).toMatchObject({ exitCode: 3, stderr: "broken", outcome: "failed" });
    expect((err as Error).message).toContain("exited with 3 (expected 0)");
  });

  it("accepts any exit status listed in expectExit", async () => {
    const out = await actions.ssh.run(makeCtx([host()]), { host: "app01", run: "exit 3", expectExit: [0, 3] });
    expect(out.exitCode).toBe(3);
  });

  it("delivers env values byte-exact over stdin, never on the command line", async () => {
    const value = `it's "quoted" $(id) \`x\`\nline2`;
    // Unique to this run: the scan reads every process on the machine, so a fixed canary could
    // match a process of another suite (or another checkout's run) that happens to carry it.
    const canary = `canary${Math.random().toString(36).slice(2)}`;
    const out = await actions.ssh.run(makeCtx([host()]), {
      host: "app01",
      run: `printf %s "$FERRY_VALUE" | base64 -w0; echo; for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline; echo; done 2>/dev/null | grep -c "${canary.slice(0, 6)}[${canary[6]}]${canary.slice(7)}" || true`,
      env: { FERRY_VALUE: value, OTHER: canary },
    });
    const [b64, count] = out.stdout!.split("\n");
    expect(Buffer.from(b64!, "base64").toString()).toBe(value);
    expect(count).toBe("0");
  });

  it("writes stdin to the command and parses JSON output when asked", async () => {
    const out = await actions.ssh.run(makeCtx([host()]), { host: "app01", run: "cat", stdin: '{"ok":true,"n":[1,2]}', json: true });
    expect(out.json).toEqual({ ok: true, n: [1, 2] });
  });

  it("allocates a terminal when pty is set", async () => {
    const out = await actions.ssh.run(makeCtx([host()]), { host: "app01", run: "tty", pty: true });
    expect(out.stdout).toMatch(/^\/dev\/pts\/\d+$/);
  });

  it("reuses one pooled connection across steps", async () => {
    const before = actions.pool.stats().connects;
    const ctx = makeCtx([host()]);
    for (let i = 0; i < 5; i++) await actions.ssh.run(ctx, { host: "app01", run: "true" });
    expect(actions.pool.stats().connects - before).toBeLessThanOrEqual(1);
    expect(actions.pool.stats().openChannels).toBe(0);
  });

  it("delivers hostile template values byte-exact as one argument", async () => {
    const payloads = ["; touch PWNED", "$(id)", "`id`", `'"'"`, "a\nb", "-n", "--help", "*", "\u202Egnp.exe", "  spaced  ", ""];
    const dir = `/tmp/ferry-hostile-${process.pid}`;
    for (const value of payloads) {
      const out = await actions.ssh.run(makeCtx([host()]), {
        host: "app01",
        run: `mkdir -p ${dir} && cd ${dir} && set -- ${shellQuote(value)} && echo "$#" && printf %s ${shellQuote(value)} | base64 -w0`,
      });
      const [argc, b64] = out.stdout!.split("\n");
      expect(Buffer.from(b64 ?? "", "base64").toString("utf8")).toBe(value);
      expect(argc).toBe("1");
    }
    const check = await actions.ssh.run(makeCtx([host()]), { host: "app01", run: `ls -A ${dir} | wc -l; rm -rf ${dir}` });
    expect(check.stdout).toBe("0");
  });

  it("kills the remote process group when the step times out, and says so", async () => {
    const marker = 4000 + Math.floor(Math.random() * 900);
    const signal = AbortSignal.timeout(400);
    const err = await actions.ssh.run(makeCtx([host()], { signal }), { host: "app01", run: `sleep ${marker} & sleep ${marker + 1}; echo never` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepTimeoutError);
    expect((err as Error).message).toMatch(/killed the remote process group \d+ with SIGTERM/);
    expect((err as StepTimeoutError).outcome).toBe("unknown");
    const left = descendants(sshd.pid).filter((p) => p.cmdline.includes(`sleep ${marker}`) || p.cmdline.includes(`sleep ${marker + 1}`));
    expect(left).toEqual([]);
    expect(actions.pool.stats().openChannels).toBe(0);
  });

  it("escalates to SIGKILL when the command ignores SIGTERM", async () => {
    const signal = AbortSignal.timeout(300);
    const err = await actions.ssh.run(makeCtx([host()], { signal }), { host: "app01", run: "trap '' TERM; while :; do sleep 0.1; done" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepTimeoutError);
    expect((err as Error).message).toMatch(/with SIGKILL/);
  });

  it("reports an operator abort as aborted, not as a timeout", async () => {
    const ac = new AbortController();
    const p = actions.ssh.run(makeCtx([host()], { signal: ac.signal }), { host: "app01", run: "sleep 60" });
    setTimeout(() => ac.abort(new Error("operator pressed ctrl-c")), 300);
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActionError);
    expect(err).toMatchObject({ code: "aborted", aborted: true, timedOut: false });
  });

  it("runs under sudo without sending the password when sudo does not ask for one", async () => {
    const out = await actions.ssh.run(makeCtx([host()], { secrets: { SUDO_PW: "not-needed" } }), {
      host: "app01",
      run: "id -un; cat",
      stdin: "from-stdin",
      sudo: { passwordEnv: "SUDO_PW" },
    });
    expect(out.stdout).toBe("root\nfrom-stdin");
    expect(out.stdout).not.toContain("not-needed");
  });

  describe("sudo with a password (test user with a sudo rule)", () => {
    const password = `pw-${Math.random().toString(36).slice(2)}`;
    const why = ensureSudoUser("ferrysudo", password);
    it.skipIf(why)(`answers sudo's prompt from the secret over stdin${why ? ` (skipped: ${why})` : ""}`, async () => {
      // The engine registers an operator variable that looks like a credential as secret `env_<NAME>`.
      const ctx = makeCtx([{ ...host(), ssh: { ...host().ssh, user: "ferrysudo" } }], { secrets: { env_SUDO_PASSWORD: password } });
      const out = await actions.ssh.run(ctx, { host: "app01", run: "id -un; cat; echo \"$V\"", stdin: "piped\n", env: { V: "env-ok" }, sudo: { passwordEnv: "SUDO_PASSWORD" } });
      expect(out.stdout).toBe("root\npiped\nenv-ok");
      expect(JSON.stringify(ctx.lines)).not.toContain(password);
    });
    it.skipIf(why)("refuses with AuthError when sudo rejects the password", async () => {
      const ctx = makeCtx([{ ...host(), ssh: { ...host().ssh, user: "ferrysudo" } }], { secrets: { SUDO_PW: "wrong" } });
      const err = await actions.ssh.run(ctx, { host: "app01", run: "id -un", sudo: { passwordEnv: "SUDO_PW" } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthError);
      expect((err as Error).message).toContain("SUDO_PW");
    });
  });
});
