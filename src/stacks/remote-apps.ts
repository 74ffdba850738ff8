import type { Estate } from "../model/estate.js";

/** One AVD RemoteApp generated from an estate application. */
export interface RemoteAppSpec {
  /** The estate application id; also the Application resource name. */
  id: string;
  /** Shown to users: `params.remoteAppName`, else the application's name. */
  friendlyName: string;
  /** Executable on the session hosts: `params.remoteAppPath`. */
  filePath: string;
  /** Optional `params.remoteAppArgs`: fixed command-line arguments. */
  commandLineArguments?: string;
  /** Optional `params.userGroups`: the Entra ID groups (object ids) of this application's users. */
  userGroups?: string[];
}

/**
 * The RemoteApps the Citrix exit needs: every application delivered through Citrix whose
 * target is the desktops site (the same inventory the planner reads). Applications without a
 * `remoteAppPath` are returned as problems, because a RemoteApp cannot be published without one.
 */
export function remoteAppsFor(estate: Estate, targetSite: string): { apps: RemoteAppSpec[]; problems: string[] } {
  const apps: RemoteAppSpec[] = [];
  const problems: string[] = [];
  const chosen = estate.applications.filter((a) => a.delivery === "citrix" && a.target === targetSite).sort((a, b) => (a.id < b.id ? -1 : 1));
  for (const app of chosen) {
    const path = app.params?.remoteAppPath;
    if (!path) {
      problems.push(`application ${app.id} is delivered by Citrix and targets ${targetSite} but has no params.remoteAppPath (the executable to publish)`);
      continue;
    }
    const spec: RemoteAppSpec = { id: app.id, friendlyName: app.params?.remoteAppName ?? app.name, filePath: path };
    if (app.params?.remoteAppArgs) spec.commandLineArguments = app.params.remoteAppArgs;
    const groups = app.params?.userGroups?.split(",").map((g) => g.trim().toLowerCase()).filter(Boolean);
    if (groups && groups.length > 0) spec.userGroups = [...new Set(groups)].sort();
    apps.push(spec);
  }
  return { apps, problems };
}
