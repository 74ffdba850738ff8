import { join } from "node:path";
import { describeStackGraph } from "./graph.js";
import { assertValid, loadProject } from "../../src/model/load.js";

// The prod stack is built from the bundled example: its Citrix applications bound for AVD
// become the RemoteApps, so the test follows the estate the planner uses.
const project = await loadProject(join(import.meta.dirname, "..", ".."));
assertValid(project);

describeStackGraph({
  env: "prod",
  estate: project.estate,
  // The council fills in its groups before the first desktops wave (validate warns until then).
  tweak: (config) => {
    (config["ferry:desktops"] as { userGroups: string[] }).userGroups = ["11111111-2222-3333-4444-555555555555"];
  },
});
