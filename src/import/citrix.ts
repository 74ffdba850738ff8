/**
 * Citrix published applications (`Get-BrokerApplication | Export-Csv`): each becomes an
 * application delivered by Citrix, its executable carried to the AVD RemoteApp
 * (`params.remoteAppPath`, `remoteAppArgs`) and its users and groups to the application group
 * (`params.remoteAppGroups`, `;`-separated).
 */
import { allocateIds, slugId } from "./ids.js";
import { emptyProposal, newApplicationFields, type InputFile, type Proposal, type SourceContext } from "./proposal.js";
import { readTable } from "./source-file.js";
import { cell, findColumns, rowWarning, where } from "./table.js";

/** Columns this import reads, by name (exported so `ferry example --as-exports` writes the same headers). */
export const APPS = {
  applicationName: { name: "ApplicationName", aliases: ["Name", "BrowserName", "PublishedName"], required: true },
  publishedName: { name: "PublishedName" },
  executable: { name: "CommandLineExecutable", required: true },
  arguments: { name: "CommandLineArguments" },
  workingDirectory: { name: "WorkingDirectory" },
  enabled: { name: "Enabled" },
  users: { name: "AssociatedUserNames" },
} as const;

export async function importCitrix(files: readonly InputFile[], ctx: SourceContext): Promise<Proposal> {
  const p = emptyProposal("citrix");
  for (const file of files) {
    const table = await readTable(file);
    const c = findColumns(table, APPS, "A Citrix published-applications export (Get-BrokerApplication | Export-Csv)");
    const rows = table.rows.filter((r) => cell(r, c.applicationName));
    // `Name` carries the admin folder (`Revenues\\Academy`); the id uses the application's own name.
    const baseName = (r: (typeof rows)[number]) => cell(r, c.applicationName).split("\\").pop()!;
    const ids = allocateIds(rows.map((r) => ({ key: cell(r, c.applicationName), slug: slugId(baseName(r)) })));
    let disabled = 0;
    for (const row of rows) {
      if (/^false$/i.test(cell(row, c.enabled))) {
        disabled++;
        continue;
      }
      const executable = cell(row, c.executable);
      if (!executable) {
        p.warnings.push(rowWarning(table, row, c.executable, `published application ${cell(row, c.applicationName)} has no CommandLineExecutable; row skipped`));
        continue;
      }
      let users = cell(row, c.users);
      if (/^System\.(String|Object)\[\]$/.test(users)) {
        p.warnings.push(rowWarning(table, row, c.users, `AssociatedUserNames was exported as ${users} (Export-Csv flattens lists): export it with @{n='AssociatedUserNames';e={$_.AssociatedUserNames -join ';'}}; groups left out`));
        users = "";
      }
      const groups = users.split(/[;\r\n]+/).map((u) => u.trim()).filter(Boolean).sort();
      const args = cell(row, c.arguments);
      const params: Record<string, string> = { "params.remoteAppPath": executable };
      if (args) params["params.remoteAppArgs"] = args;
      if (groups.length) params["params.remoteAppGroups"] = groups.join(";");
      p.lists.applications.push({
        id: ids.get(cell(row, c.applicationName))!,
        owned: { name: cell(row, c.publishedName) || baseName(row), delivery: "citrix", ...params },
        initial: newApplicationFields(ctx, { disposition: ctx.rules.citrix.disposition, ...(ctx.rules.citrix.target ? { target: ctx.rules.citrix.target } : {}) }),
        origin: `${where(table)} line ${row.line} (published application ${cell(row, c.applicationName)})`,
      });
    }
    p.read.push(`${file.name}: ${rows.length - disabled} published application(s)${disabled ? `, ${disabled} disabled left out` : ""}`);
  }
  return p;
}
