import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** Write `files` (relative path → text) into a fresh temporary project directory. */
export function projectDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "ferry-test-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** A small valid estate split over two files, for tests to mutate. */
export const SMALL_ESTATE = {
  "estate/sites.yaml": `apiVersion: ferry/v1
kind: Estate
organisations:
  - { id: nbc, name: Northampton Borough Council, successor: wnc }
  - { id: wnc, name: West Northamptonshire Council }
sites:
  - { id: guildhall, name: The Guildhall, kind: office, organisation: nbc }
  - { id: azure-uksouth, name: Azure UK South, kind: cloud, region: uksouth }
networks:
  - { id: nbc-servers, site: guildhall, prefix: 10.1.10.0/24, vlan: 110, purpose: servers }
calendar:
  firstWave: 2027-01-12
  cadenceDays: 14
  window: { start: "19:00", end: "23:30", timezone: Europe/London }
`,
  "estate/apps.yaml": `apiVersion: ferry/v1
kind: Estate
hosts:
  - id: nbc-app01
    site: guildhall
    address: 10.1.10.21
    os: linux
applications:
  - id: revs-nbc
    name: Revenues (Capita Academy)
    owner: Revenues and Benefits
    criticality: high
    users: 180
    delivery: citrix
    disposition: rehost
    target: azure-uksouth
    hosts: [nbc-app01]
`,
};
