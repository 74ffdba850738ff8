/**
 * `ferry example --local`: a small project whose runbooks run entirely on this machine, for a
 * first hour with ferry. Three council services "move" from `legacy/` to `cloud/` inside the
 * project folder: each is copied, checked, switched over and health-checked by file probes, and
 * every step has its rollback. One application fails on purpose at its switch-over, so the
 * rollback (and `--on-failure pause`) can be seen without breaking anything real.
 *
 * Wave 1 is dated the day it is written, with a window of the whole day (UTC), so `ferry run`
 * is inside its approved window; change control requires an approval, as a council's would.
 */
import { addDays } from "../planner/calendar.js";

export interface ExampleFile {
  path: string;
  text: string;
}

/** The services, and the one that fails on purpose. */
export const LOCAL_APPS = ["intranet", "parking-permits", "planning-portal"] as const;

export interface LocalExampleOptions {
  /** The application whose switch-over fails on purpose. @default "planning-portal" */
  failing?: string;
  /** The day wave 1 runs (YYYY-MM-DD). @default today (UTC) */
  today?: string;
}

/** The project's files, relative to its folder. */
export function localExample(opts: LocalExampleOptions = {}): ExampleFile[] {
  const today = opts.today ?? new Date().toISOString().slice(0, 10);
  const failing = opts.failing ?? "planning-portal";
  const app = (id: string, name: string, users: number) => `  - id: ${id}
    name: ${name}
    owner: Digital Services
    criticality: medium
    users: ${users}
    delivery: web
    disposition: rehost
    target: cloud
    hosts: [this-machine]
    runbook: move-local
    params:
      failOnPurpose: "${id === failing}"
`;
  const estate = `# A first-hour project: three services of one council move from legacy/ to cloud/ on this machine.
apiVersion: ferry/v1
kind: Estate
organisations:
  - { id: council, name: Example Borough Council }
sites:
  - { id: town-hall, name: Town Hall server room, kind: office, organisation: council }
  - { id: cloud, name: The cloud (a folder here), kind: cloud, region: uksouth }
networks:
  - { id: town-hall-servers, site: town-hall, prefix: 127.0.0.0/8, purpose: servers }
hosts:
  - { id: this-machine, site: town-hall, address: 127.0.0.1, os: linux }
applications:
${app("intranet", "Staff intranet", 400)}${app("parking-permits", "Parking permits", 1200)}${app("planning-portal", "Planning portal", 900)}calendar:
  firstWave: ${today}
  cadenceDays: 14
  horizonWaves: 4
  # The whole day, so the walkthrough's run is inside its window whenever it is tried.
  window: { start: "00:00", end: "00:00", timezone: UTC }
  capacity: { applications: 10 }
  freezes:
    - { from: ${addDays(today, 60)}, to: ${addDays(today, 67)}, reason: year-end close }
changeControl: { requireApproval: true }
`;
  const runbook = `# Move one service from legacy/<app> to cloud/<app>, all on this machine.
apiVersion: ferry/v1
kind: Runbook
name: move-local
description: Copy a service's files to the cloud folder, switch users over, and check it answers.

inputs:
  failOnPurpose: { type: boolean, default: false, description: "fail at the switch-over, to see the rollback" }

precheck:
  - id: legacy-is-live
    description: The service answers where it runs today
    local: { run: "test -f legacy/{{ app.id }}/index.html" }

steps:
  - id: copy-files
    description: Copy the service's files to the cloud folder (a few seconds, so Ctrl-C has time)
    local: { run: "mkdir -p cloud && sleep 2 && cp -R legacy/{{ app.id }} cloud/{{ app.id }}" }
    check: { local: { run: "test -f cloud/{{ app.id }}/index.html" } }
    rollback: { local: { run: "rm -rf cloud/{{ app.id }}" } }

  - id: switch-over
    description: Point users at the cloud copy
    local:
      run: >-
        if [ {{ failOnPurpose }} = true ]; then echo "the new platform refused the switch-over (on purpose)" >&2; exit 1; fi;
        mkdir -p live && ln -sfn ../cloud/{{ app.id }} live/{{ app.id }}
    rollback: { local: { run: "mkdir -p live && ln -sfn ../legacy/{{ app.id }} live/{{ app.id }}" } }

verify:
  - id: answers-from-cloud
    description: The service answers from its new home
    local: { run: "test \\"$(readlink live/{{ app.id }})\\" = ../cloud/{{ app.id }} && test -f live/{{ app.id }}/index.html" }
    consecutive: 2
    interval: 1s
    within: 10s
`;
  const page = (id: string) => `<!doctype html><title>${id}</title><p>${id} is up.</p>\n`;
  return [
    { path: "estate/council.yaml", text: estate },
    { path: "runbooks/move-local.yaml", text: runbook },
    ...LOCAL_APPS.map((id) => ({ path: `legacy/${id}/index.html`, text: page(id) })),
    { path: "README.md", text: `# A ferry project to try on this machine\n\nWritten by \`ferry example --local\`. The walkthrough is in ferry's README ("Try it here").\n\`${failing}\` fails at its switch-over on purpose.\n` },
  ];
}
