// Import cycles make layers meaningless and module start-up order fragile; refuse them.
// Layer direction itself is enforced by eslint's no-restricted-imports (eslint.config.mjs).
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Modules must form a DAG; extract the shared part into a lower module.",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
