// Lint enforces the layer map of the README ("Layers"): each layer may import only the layers
// below it, and only actions/ and journal/ touch hosts, processes and disks. Import cycles
// are caught by dependency-cruiser (.dependency-cruiser.cjs), which `npm run lint` also runs.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const layer = (files, patterns) => ({
  files,
  rules: { "no-restricted-imports": ["error", { patterns }] },
});
const io = ["node:fs", "node:fs/*", "node:child_process", "node:net", "node:dns", "ssh2", "@pulumi/*"];
// The PostgreSQL client and its tools load only when a `postgres://` state is given: through a
// dynamic import() of state/postgres/, never statically from the layers every command loads.
const dbClients = { group: ["pg", "pg-*", "pgpass", "pgpass/*", "node-pg-migrate", "graphile-worker"], message: "Database clients load only in state/postgres/ (reached by a dynamic import when --state is a postgres:// URL)." };
const pgState = { group: ["**/state/postgres/*"], message: "Load state/postgres/ with a dynamic import(), only when --state is a postgres:// URL: start-up stays fast." };

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", "reports/", "test-artifacts/", ".ferry/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  layer(["src/model/**"], [
    { group: ["**/planner/**", "**/network/**", "**/report/**", "**/engine/**", "**/actions/**", "**/journal/**", "**/stacks/**", "**/runs/**", "**/cli/**"], message: "model/ is the bottom layer." },
    { group: io.filter((p) => !p.startsWith("node:fs")), message: "model/ only reads the files handed to it." },
  ]),
  layer(["src/network/**"], [
    { group: ["**/planner/**", "**/report/**", "**/engine/**", "**/actions/**", "**/journal/**", "**/stacks/**", "**/runs/**", "**/cli/**"], message: "network/ may import model/ only." },
    { group: io, message: "network/ is pure." },
  ]),
  layer(["src/import/**"], [
    { group: ["**/planner/**", "**/report/**", "**/engine/**", "**/actions/**", "**/journal/**", "**/stacks/**", "**/runs/**", "**/cli/**", "**/example/**"], message: "import/ may import model/ and network/ only." },
    { group: io.filter((p) => !p.startsWith("node:fs")), message: "import/ reads exports and writes estate files; it touches no host or process." },
  ]),
  layer(["src/planner/**"], [
    { group: ["**/report/**", "**/engine/**", "**/actions/**", "**/journal/**", "**/stacks/**", "**/runs/**", "**/cli/**"], message: "planner/ may import model/ and network/ only." },
    { group: io, message: "planner/ is pure and deterministic." },
  ]),
  layer(["src/report/**"], [
    { group: ["**/engine/**", "**/actions/**", "**/journal/**", "**/stacks/**", "**/runs/**", "**/cli/**"], message: "report/ renders plans; it does not run them." },
    { group: io, message: "report/ is pure: plan in, text out." },
  ]),
  layer(["src/engine/**"], [
    dbClients,
    { group: ["**/planner/**", "**/report/**", "**/stacks/**", "**/runs/**", "**/cli/**", "**/actions/ssh/**"], message: "engine/ orchestrates through the Action and Journal interfaces." },
    { group: ["ssh2", "@pulumi/*", "node:child_process", "node:net", "node:dns"], message: "engine/ never touches transports directly." },
  ]),
  layer(["src/actions/**", "src/journal/**"], [
    dbClients,
    { group: ["**/planner/**", "**/report/**", "**/engine/**", "**/stacks/**", "**/runs/**", "**/cli/**"], message: "actions/ and journal/ sit below the engine." },
  ]),
  layer(["src/runs/**"], [
    dbClients,
    { group: ["**/report/**", "**/stacks/**", "**/cli/**", "**/actions/*/**"], message: "runs/ is the run lifecycle: it calls planner, engine, journal and the action registry, and never the CLI." },
    { group: ["ssh2", "@pulumi/*", "node:child_process", "node:net", "node:dns", "pino-pretty", "log-update"], message: "runs/ prints nothing and touches no transport: the CLI renders, actions/ connect." },
  ]),
  layer(["src/runners/**"], [
    { group: ["**/report/**", "**/stacks/**", "**/cli/**", "**/actions/*/**"], message: "runners/ queues and runs applications through runs/ and state/; it never imports the CLI." },
    { group: ["ssh2", "@pulumi/*", "node:child_process", "node:net", "node:dns", "pino-pretty", "log-update"], message: "runners/ prints nothing and touches no transport." },
  ]),
  layer(["src/cli/**"], [
    { group: ["@pulumi/azure-native", "@pulumi/azure-native/*"], message: "Never load azure-native on CLI start-up; go through a dynamic import of stacks/." },
  ]),
  layer(["src/cli/main.ts", "src/cli/commands/**", "src/cli/common/**"], [
    { group: ["@pulumi/azure-native", "@pulumi/azure-native/*"], message: "Never load azure-native on CLI start-up; go through a dynamic import of stacks/." },
    dbClients,
    pgState,
  ]),
  { files: ["test/**", "bench/**"], rules: { "@typescript-eslint/no-non-null-assertion": "off" } },
  { files: ["**/*.mjs", "**/*.js", "**/*.cjs"], ...tseslint.configs.disableTypeChecked },
  { files: ["**/*.mjs", "**/*.cjs"], languageOptions: { globals: { process: "readonly", module: "writable", require: "readonly" } } },
);
