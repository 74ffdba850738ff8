/**
 * The Pulumi program (Pulumi.yaml `main: dist/stacks/index.js`): reads the stack's `ferry:`
 * config and the estate, then builds the environment. Run it through `ferry deploy` or the
 * pulumi CLI after `npm run build`.
 */
import { assertValid, loadProject } from "../model/load.js";
import { buildFerryStack } from "./build.js";
import { readSecrets, readTarget } from "./config.js";

export default async function main(): Promise<Record<string, unknown>> {
  const target = readTarget();
  // Pulumi runs the program in the project directory; FERRY_DIR points elsewhere for tests.
  const project = await loadProject(process.env.FERRY_DIR ?? process.cwd());
  assertValid(project);
  const stack = buildFerryStack({ target, estate: project.estate, ...readSecrets(target) });
  return {
    subscriptionIds: Object.fromEntries([...stack.subscriptions.byRole].map(([role, s]) => [role, s.subscriptionId])),
    hubId: stack.network.hub.id,
    firewallPrivateIp: stack.network.firewallPrivateIp,
    workspaceId: stack.landingZone.workspaceId,
    gatewayIds: stack.dataCentre?.gateways.map((g) => g.id) ?? [],
    hostPoolId: stack.desktops?.hostPool.id,
    remoteApps: stack.desktops?.applications.map((a) => a.name) ?? [],
  };
}
