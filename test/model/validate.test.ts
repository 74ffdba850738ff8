import { describe, expect, it } from "vitest";
import { loadProject } from "../../src/model/load.js";
import { formatDiagnostic } from "../../src/model/diagnostics.js";
import { projectDir, SMALL_ESTATE } from "../helpers/project-dir.js";

/** Load a project built from SMALL_ESTATE with some files replaced; return printed findings. */
async function findings(files: Record<string, string>): Promise<string[]> {
  const project = await loadProject(projectDir({ ...SMALL_ESTATE, ...files }));
  return project.diagnostics.map(formatDiagnostic);
}

const apps = (body: string) => `apiVersion: ferry/v1\nkind: Estate\n${body}`;

describe("ferry validate: each class of error is reported at its file:line:col", () => {
  it("accepts the small estate", async () => {
    expect(await findings({})).toEqual([]);
  });

  it("reports YAML syntax errors with their position", async () => {
    expect(await findings({ "estate/apps.yaml": apps("hosts:\n  - { id: a, site: guildhall\n") })).toEqual([
      expect.stringMatching(/^estate\/apps\.yaml:5:1: .*\[yaml-syntax\]$/),
    ]);
  });

  it("reports duplicate keys as YAML errors", async () => {
    const out = await findings({ "estate/apps.yaml": apps("hosts: []\nhosts: []\n") });
    expect(out).toEqual([expect.stringMatching(/^estate\/apps\.yaml:4:1: duplicate key.*\[yaml-syntax\]$/)]);
  });

  it("reports a wrong apiVersion or kind", async () => {
    expect(await findings({ "estate/apps.yaml": "apiVersion: ferry/v2\nkind: Estate\n" })).toEqual([
      "estate/apps.yaml:1:13: apiVersion must be ferry/v1 in estate/ (got \"ferry/v2\") [missing-header]",
    ]);
  });

  it("points an unknown key at the key itself", async () => {
    const text = SMALL_ESTATE["estate/apps.yaml"].replace("    os: linux\n", "    os: linux\n    adress: 10.1.10.22\n");
    expect(await findings({ "estate/apps.yaml": text })).toEqual([
      "estate/apps.yaml:8:5: hosts[0].adress: unknown key `adress` (check the spelling; unknown keys are errors) [unknown-key]",
    ]);
  });

  it("reports a wrong enum value with what was received", async () => {
    const text = SMALL_ESTATE["estate/apps.yaml"].replace("criticality: high", "criticality: urgent");
    expect(await findings({ "estate/apps.yaml": text })).toEqual([
      'estate/apps.yaml:12:18: applications[0].criticality: must be one of critical, high, medium, low, got "urgent" [wrong-type]',
    ]);
  });

  it("reports a wrong type", async () => {
    const text = SMALL_ESTATE["estate/apps.yaml"].replace("users: 180", "users: lots");
    expect(await findings({ "estate/apps.yaml": text })).toEqual([
      'estate/apps.yaml:13:12: applications[0].users: expected number, got "lots" [wrong-type]',
    ]);
  });

  it("reports a missing required field at the map that lacks it", async () => {
    const text = SMALL_ESTATE["estate/apps.yaml"].replace("    owner: Revenues and Benefits\n", "");
    expect(await findings({ "estate/apps.yaml": text })).toEqual([
      "estate/apps.yaml:9:5: applications[0].owner: required field is missing (expected string) [missing-field]",
    ]);
  });

  it.each([
    ["a prefix with host bits set", "prefix: 10.1.10.0/24", "prefix: 10.1.10.5/24", "10:49", "networks[0].prefix: has host bits set; the network is 10.1.10.0/24"],
    ["a malformed prefix", "prefix: 10.1.10.0/24", "prefix: 10.1.300.0/24", "10:49", "networks[0].prefix: must be a prefix such as 10.1.10.0/24 or 2001:db8::/48"],
    ["an impossible date", "firstWave: 2027-01-12", "firstWave: 2027-02-30", "12:14", "calendar.firstWave: is not a real date (that month has no such day)"],
    ["a malformed time", 'start: "19:00"', 'start: "7pm"', "14:20", "calendar.window.start: must be a time as HH:MM"],
    ["an id with capitals", "id: guildhall, name", "id: GuildHall, name", "7:11", "sites[0].id: must be a lowercase id: letters, digits and dashes (e.g. revs-nbc)"],
  ])("reports %s", async (_name, from, to, pos, message) => {
    const text = SMALL_ESTATE["estate/sites.yaml"].replace(from, to);
    const out = (await findings({ "estate/sites.yaml": text })).filter((l) => l.startsWith("estate/sites.yaml"));
    expect(out[0]).toMatch(new RegExp(`^estate/sites\\.yaml:${pos}: ${message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  });

  it("reports a malformed host address", async () => {
    const text = SMALL_ESTATE["estate/apps.yaml"].replace("address: 10.1.10.21", "address: 10.1.10");
    expect(await findings({ "estate/apps.yaml": text })).toEqual([
      'estate/apps.yaml:6:14: hosts[0].address: must be an IPv4 or IPv6 address (got "10.1.10") [invalid-value]',
    ]);
  });

  it("reports a duplicate id across merged files, naming the first", async () => {
    const out = await findings({ "estate/more.yaml": apps("hosts:\n  - { id: nbc-app01, site: guildhall, address: 10.1.10.22, os: linux }\n") });
    expect(out).toEqual(["estate/more.yaml:4:11: host id `nbc-app01` is already used at estate/apps.yaml:4; ids are unique within their kind [duplicate-id]"]);
  });

  it("reports dangling references with a suggestion", async () => {
    const text = SMALL_ESTATE["estate/apps.yaml"].replace("hosts: [nbc-app01]", "hosts: [nbc-app1]").replace("site: guildhall", "site: guildhal");
    expect(await findings({ "estate/apps.yaml": text })).toEqual([
      "estate/apps.yaml:5:11: unknown site `guildhal` (did you mean `guildhall`?) [unknown-reference]",
      "estate/apps.yaml:17:13: unknown host `nbc-app1` (did you mean `nbc-app01`?) [unknown-reference]",
    ]);
  });

  it("requires a target unless the application is retired or retained", async () => {
    const text = SMALL_ESTATE["estate/apps.yaml"].replace("    target: azure-uksouth\n", "");
    expect(await findings({ "estate/apps.yaml": text })).toEqual([
      "estate/apps.yaml:9:5: application `revs-nbc` (rehost) needs a `target` site; only retire and retain have none [missing-field]",
    ]);
  });

  it("reports a runbook named when there is no runbooks/ folder", async () => {
    const text = SMALL_ESTATE["estate/apps.yaml"] + "    runbook: rehost-vm\n";
    expect(await findings({ "estate/apps.yaml": text })).toEqual([
      "estate/apps.yaml:18:14: runbook `rehost-vm` is named but there is no runbooks/ folder [missing-folder]",
    ]);
  });

  it("reports dependencies on unknown or the same application", async () => {
    const text = SMALL_ESTATE["estate/apps.yaml"] + "    dependsOn:\n      - { app: revs-nbc }\n      - { app: gazetteer, together: true }\n";
    expect(await findings({ "estate/apps.yaml": text })).toEqual([
      "estate/apps.yaml:19:16: application `revs-nbc` depends on itself [self-dependency]",
      "estate/apps.yaml:20:16: unknown application `gazetteer` [unknown-reference]",
    ]);
  });

  it("warns when a host's address is outside its site's networks", async () => {
    const text = SMALL_ESTATE["estate/apps.yaml"].replace("address: 10.1.10.21", "address: 10.9.9.9");
    expect(await findings({ "estate/apps.yaml": text })).toEqual([
      "estate/apps.yaml:6:14: warning: address 10.9.9.9 of host `nbc-app01` is in none of site `guildhall`'s networks [address-outside-site]",
    ]);
  });

  it("warns once per overlapping pair of networks at different sites", async () => {
    const more = apps("sites:\n  - { id: abbey-centre, name: Abbey Centre, kind: office }\nnetworks:\n  - { id: ddc-servers, site: abbey-centre, prefix: 10.1.0.0/16 }\n");
    const out = await findings({ "estate/more.yaml": more });
    expect(out).toEqual([
      "estate/sites.yaml:10:49: warning: network `nbc-servers` (10.1.10.0/24, site guildhall) overlaps ddc-servers (10.1.0.0/16, site abbey-centre); one side must be re-addressed before the networks are joined (see `ferry network`) [network-overlap]",
    ]);
  });

  it("reports a jump-host loop", async () => {
    const more = apps("hosts:\n  - { id: a, site: guildhall, address: 10.1.10.2, os: linux, ssh: { via: b } }\n  - { id: b, site: guildhall, address: 10.1.10.3, os: linux, ssh: { via: a } }\n");
    const out = await findings({ "estate/more.yaml": more });
    expect(out).toEqual([
      "estate/more.yaml:4:74: jump hosts form a loop: a → b → a [unknown-reference]",
      "estate/more.yaml:5:74: jump hosts form a loop: b → a → b [unknown-reference]",
    ]);
  });

  it("reports a blackout that ends before it starts", async () => {
    const text = SMALL_ESTATE["estate/apps.yaml"] + "    blackouts:\n      - { from: 2027-03-31, to: 2027-02-01, reason: billing }\n";
    expect(await findings({ "estate/apps.yaml": text })).toEqual([
      "estate/apps.yaml:19:33: blackout ends (2027-02-01) before it starts (2027-03-31) [invalid-range]",
    ]);
  });
});

const runbook = (steps: string, extra = "") => `apiVersion: ferry/v1
kind: Runbook
name: rehost-vm
inputs:
  targetHost: { type: host }
  service: { type: string, default: "{{ app.id }}" }
${extra}steps:
${steps}`;

describe("ferry validate: runbooks", () => {
  it("accepts resolvable templates", async () => {
    const rb = runbook(`  - id: stop
    ssh: { host: "{{ app.hosts.0.id }}", run: "systemctl stop {{ service }}" }
    rollback: { ssh: { host: "{{ app.hosts.0.id }}", run: "systemctl start {{ service }}" } }
  - id: sync
    ssh: { host: "{{ targetHost.id }}", run: "rsync -a {{ app.hosts.0.address }}:/srv/ /srv/ # {{ steps.stop.outputs.stdout }} {{ env.HOME }}" }
`);
    expect(await findings({ "runbooks/rehost-vm.yaml": rb.replace("inputs:\n", "requires: { env: [HOME] }\ninputs:\n") })).toEqual([]);
  });

  it("reports an env variable the runbook reads but does not declare under requires", async () => {
    const rb = runbook(`  - id: s\n    local: { run: "nsupdate -k {{ env.DNS_KEY_FILE }}" }\n`);
    expect(await findings({ "runbooks/rehost-vm.yaml": rb })).toEqual([
      "runbooks/rehost-vm.yaml:9:19: `{{ env.DNS_KEY_FILE }}` reads DNS_KEY_FILE, which `requires.env` does not declare: add it (with what it is for) so operators know to provide it [requirement-undeclared]",
    ]);
  });

  it("reports unresolvable template paths", async () => {
    const rb = runbook(`  - id: stop
    ssh: { host: "{{ targetHost.adress }}", run: "echo {{ servce }} {{ steps.nope.outputs.x }}" }
`);
    expect(await findings({ "runbooks/rehost-vm.yaml": rb })).toEqual([
      "runbooks/rehost-vm.yaml:9:10: `{{ targetHost.adress }}`: no field `adress` (known: id, site, address, os, ssh, aliases) [template-unresolved]",
      "runbooks/rehost-vm.yaml:9:10: `{{ servce }}`: `servce` is not something a runbook can see (app, inputs, an input name, steps, env) (did you mean `service`?) [template-unresolved]",
      "runbooks/rehost-vm.yaml:9:10: `{{ steps.nope.outputs.x }}`: no step `nope` in this runbook [template-unresolved]",
    ].map((s) => s.replace("9:10", s.includes("targetHost") ? "9:18" : "9:50")));
  });

  it("rejects anything but a dotted lookup inside {{ }}", async () => {
    const rb = runbook(`  - id: stop\n    local: { run: "echo {{ service | upper }}" }\n`);
    expect(await findings({ "runbooks/rehost-vm.yaml": rb })).toEqual([
      "runbooks/rehost-vm.yaml:9:19: `{{ service | upper }}` is not a lookup; templates allow only dotted paths such as {{ app.id }} or {{ source.address }} [template-syntax]",
    ]);
  });

  it("reports a step with no action or two actions", async () => {
    const rb = runbook(`  - id: a\n    timeout: 5s\n  - id: b\n    wait: 1s\n    local: { run: "true" }\n`);
    expect(await findings({ "runbooks/rehost-vm.yaml": rb })).toEqual([
      "runbooks/rehost-vm.yaml:8:5: steps[0]: needs one action: ssh, copy, local, http, tcp, dns, wait, approval, pulumi [invalid-value]",
      "runbooks/rehost-vm.yaml:10:5: steps[1]: has 2 actions (local, wait); a step runs exactly one [invalid-value]",
    ]);
  });

  it("reports duplicate step ids, unknown needs and needs cycles with the path", async () => {
    const rb = runbook(`  - { id: a, wait: 1s, needs: [c] }\n  - { id: b, wait: 1s, needs: [a] }\n  - { id: c, wait: 1s, needs: [b, zz] }\n  - { id: a, wait: 1s }\n`);
    expect(await findings({ "runbooks/rehost-vm.yaml": rb })).toEqual([
      "runbooks/rehost-vm.yaml:8:31: steps' needs form a cycle: a → c → b → a [step-cycle]",
      "runbooks/rehost-vm.yaml:10:35: step `c` needs unknown step `zz` [unknown-reference]",
      "runbooks/rehost-vm.yaml:11:11: step id `a` is used twice in runbook `rehost-vm` [duplicate-id]",
    ]);
  });

  it("reports a malformed duration", async () => {
    const rb = runbook(`  - { id: a, wait: 1s, timeout: 5 minutes }\n`);
    expect(await findings({ "runbooks/rehost-vm.yaml": rb })).toEqual([
      'runbooks/rehost-vm.yaml:8:33: steps[0].timeout: must be a duration such as 30s, 5m or 2h (got "5 minutes") [invalid-value]',
    ]);
  });

  it("reports an application naming a runbook that does not exist", async () => {
    const rb = runbook(`  - { id: a, wait: 1s }\n`);
    const text = SMALL_ESTATE["estate/apps.yaml"] + "    runbook: rehost-v\n";
    expect(await findings({ "runbooks/rehost-vm.yaml": rb, "estate/apps.yaml": text })).toEqual([
      "estate/apps.yaml:18:14: unknown runbook `rehost-v` (did you mean `rehost-vm`?) [unknown-reference]",
    ]);
  });
});

describe("ferry validate: stacks", () => {
  const stack = (network: string) => `config:
  azure-native:location: uksouth
  ferry:landingZone:
    prefix: wnc
  ferry:network:
${network}`;
  const network = `    supernet: 10.96.0.0/12
    hub:
      prefix: 10.96.0.0/22
      firewallSubnet: 10.96.0.0/26
      bastionSubnet: 10.96.0.64/26
      gatewaySubnet: 10.96.0.128/27
    sites:
      - { site: guildhall, prefix: 10.104.0.0/16 }
`;

  it("accepts a valid stack target and lets provider keys pass", async () => {
    expect(await findings({ "stacks/Pulumi.prod.yaml": stack(network) })).toEqual([]);
  });

  it("maps errors inside ferry: keys to their line", async () => {
    const out = await findings({ "stacks/Pulumi.prod.yaml": stack(network.replace("10.96.0.128/27", "10.96.0.130/27").replace("guildhall", "guildhal")) });
    expect(out).toEqual([
      "stacks/Pulumi.prod.yaml:11:22: config.ferry:network.hub.gatewaySubnet: has host bits set; the network is 10.96.0.128/27 (got \"10.96.0.130/27\") [invalid-value]",
    ]);
    const out2 = await findings({ "stacks/Pulumi.prod.yaml": stack(network.replace("guildhall", "guildhal")) });
    expect(out2).toEqual(["stacks/Pulumi.prod.yaml:13:17: unknown site `guildhal` (did you mean `guildhall`?) [unknown-reference]"]);
  });

  it("reports an unknown ferry: key", async () => {
    expect(await findings({ "stacks/Pulumi.prod.yaml": stack(network) + "  ferry:netwrok: {}\n" })).toEqual([
      "stacks/Pulumi.prod.yaml:14:3: config.ferry:netwrok: unknown ferry key (known: ferry:environment, ferry:landingZone, ferry:network, ferry:connectivity, ferry:desktops, ferry:requireApproval) [unknown-key]",
    ]);
  });
});
