import type { Command } from "commander";
import { command } from "../common/exit.js";
import type { ImportFlags } from "../import.js";

/** `ferry import`: the estate from the exports it already lives in. */
export function registerImport(program: Command): void {
  program
    .command("import")
    .description("Import the estate from RVTools, Azure Migrate, ServiceNow CMDB, Citrix or NetBox exports into estate/imported-<source>.yaml")
    .argument("<source>", "rvtools | azure-migrate | servicenow | citrix | netbox")
    .argument("<files...>", "the export files (.xlsx or .csv; UTF-8, UTF-16 or Windows-1252; comma or semicolon separated)")
    .option("--dir <dir>", "project directory", ".")
    .option("--site <site>", "site of rows that do not say where they are (required for Azure Migrate servers)")
    .option("--organisation <id>", "organisation of the sites and applications the import creates")
    .option("--mapping <file>", "mapping rules (default: <dir>/import.yaml when it exists)")
    .option("--dry-run", "report what would change; write nothing")
    .option("--force", "write even when the estate would not validate afterwards")
    .option("--json", "print the report as JSON")
    .addHelpText(
      "after",
      `
Writes estate/imported-<source>.yaml and, beside it, the .base.json record of what was
imported. Re-importing the same export changes nothing; a newer one updates what changed,
keeps every field and comment a person edited, and marks (never deletes) entries that
disappeared. Servers another file already describes (same name, alias, or address at the
same site) are merged, not declared twice. See docs/import.md for each source's export.

Exit codes: 0 imported (warnings allowed), 2 bad input, or the estate would not validate.

Examples:
  ferry import rvtools RVTools_export_all.xlsx --organisation nbc
  ferry import azure-migrate servers.csv dependencies.csv --site county-dc
  ferry import servicenow cmdb_ci_server.csv cmdb_ci_appl.csv cmdb_rel_ci.csv --dry-run`,
    )
    .action(
      command(
        async (source: string, files: string[], flags: ImportFlags) => {
          const { importCommand } = await import("../import.js");
          return importCommand(source, files, flags);
        },
        { json: ([, , o]) => Boolean(o.json) },
      ),
    );
}
