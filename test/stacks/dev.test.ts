import { describeStackGraph } from "./graph.js";
import { fixtureEstate } from "./fixtures/estate.js";

describeStackGraph({
  env: "dev",
  estate: fixtureEstate,
  tweak: (config) => {
    const desktops = config["ferry:desktops"] as { userGroups: string[] };
    desktops.userGroups = ["11111111-2222-3333-4444-555555555555", "66666666-7777-8888-9999-000000000000"];
  },
});
