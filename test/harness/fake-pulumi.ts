import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface FakePulumi {
  /** Directory to put first on PATH. */
  binDir: string;
  /** A project directory with a Pulumi.yaml. */
  projectDir: string;
  /** Every invocation: argv, and the value of the watched environment variable. */
  calls(): { argv: string; env: string }[];
}

/**
 * A stand-in `pulumi` CLI (a shell script) for testing how the Automation API's failures are
 * classified, without installing Pulumi. `script` maps a subcommand (`up`, `preview`,
 * `stack export`…) to shell code; anything else exits 0. Each call is logged with the
 * value of `$watchEnv`.
 */
export function makeFakePulumi(script: Record<string, string>, watchEnv = "FERRY_TEST_SECRET"): FakePulumi {
  const root = mkdtempSync(join(tmpdir(), "ferry-fake-pulumi-"));
  const binDir = join(root, "bin");
  const projectDir = join(root, "project");
  mkdirSync(binDir);
  mkdirSync(projectDir);
  writeFileSync(join(projectDir, "Pulumi.yaml"), "name: ferry-test\nruntime: nodejs\n");
  const log = join(root, "calls.log");
  const cases = Object.entries(script)
    .map(([cmd, body]) => `  "${cmd}"*) ${body} ;;`)
    .join("\n");
  writeFileSync(
    join(binDir, "pulumi"),
    `#!/bin/sh
printf '%s\\t%s\\n' "$*" "\${${watchEnv}:-}" >> '${log}'
case "$*" in
  version*) echo v3.248.0 ;;
${cases}
esac
exit 0
`,
  );
  chmodSync(join(binDir, "pulumi"), 0o755);
  return {
    binDir,
    projectDir,
    calls: () => {
      let text: string;
      try {
        text = readFileSync(log, "utf8");
      } catch {
        return [];
      }
      return text
        .split("\n")
        .filter(Boolean)
        .map((l) => {
          const [argv = "", env = ""] = l.split("\t");
          return { argv, env };
        });
    },
  };
}
