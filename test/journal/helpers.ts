import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { nodeFs, type JournalFs } from "../../src/journal/fs.js";

/** A fresh private state directory under the OS temp dir. */
export function tempStateDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-journal-"));
  fs.chmodSync(dir, 0o700);
  return dir;
}

/** A small engine-like event. */
export function event(i: number): { v: 1; type: string; app: string; step: string; attempt: number; n: number } {
  return { v: 1, type: "step.succeeded", app: `app-${i % 7}`, step: `s${i % 5}`, attempt: 1, n: i };
}

/** Wraps the real file system and logs each call by path, so tests can assert the order of syncs. */
export function recordingFs(base: JournalFs = nodeFs): { fs: JournalFs; log: string[]; names: Map<number, string> } {
  const log: string[] = [];
  const names = new Map<number, string>();
  const name = (fd: number) => names.get(fd) ?? `fd${fd}`;
  const io: JournalFs = {
    ...base,
    async open(p, flags, mode) {
      const fd = await base.open(p, flags, mode);
      names.set(fd, p);
      log.push(`open ${p}`);
      return fd;
    },
    async close(fd) {
      log.push(`close ${name(fd)}`);
      await base.close(fd);
    },
    async write(fd, b, o, l) {
      const n = await base.write(fd, b, o, l);
      log.push(`write ${name(fd)}`);
      return n;
    },
    async fdatasync(fd) {
      await base.fdatasync(fd);
      log.push(`fdatasync ${name(fd)}`);
    },
    async fsync(fd) {
      await base.fsync(fd);
      log.push(`fsync ${name(fd)}`);
    },
    async ftruncate(fd, len) {
      await base.ftruncate(fd, len);
      log.push(`ftruncate ${name(fd)} ${len}`);
    },
    async mkdir(p, mode) {
      await base.mkdir(p, mode);
      log.push(`mkdir ${p}`);
    },
  };
  return { fs: io, log, names };
}

/** An errno-style error as Node raises them. */
export function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected`), { code });
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** Start a TypeScript fixture from test/journal/fixtures in its own node process. */
export function spawnFixture(name: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", path.join(here, "fixtures", name), ...args], {
    stdio: ["pipe", "pipe", "pipe"],
    cwd: path.join(here, "..", ".."),
  });
}

/** Calls `onLine` for each stdout line of a child; resolves with its exit once it has exited. */
export function watchLines(child: ChildProcess, onLine: (line: string) => void): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const rl = createInterface({ input: child.stdout! });
  rl.on("line", onLine);
  return new Promise((resolve) => {
    child.on("exit", () => undefined);
    // "close" fires after stdio has drained, so every line printed before death is seen.
    child.on("close", (code, signal) => resolve({ code, signal, stderr }));
  });
}
