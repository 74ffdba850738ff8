import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProbeFailedError, UnreachableError } from "../../src/actions/errors.js";
import { createDnsAction } from "../../src/actions/dns.js";
import type { DnsSpec } from "../../src/model/runbook.js";
import { testContext } from "../harness/action-context.js";
import { startDnsServer } from "../harness/dns-server.js";
import type { DnsAnswer, DnsQuestion, TestDnsServer } from "../harness/dns-server.js";

const dns = createDnsAction();

let flaky = 0;

/** The zone the stub serves; `flaky.council.local` alternates between NXDOMAIN and an answer. */
function zone(q: DnsQuestion): DnsAnswer {
  const key = `${q.type} ${q.name}`;
  switch (key) {
    case "A revs.council.local":
      return { records: ["10.97.1.20", "10.97.1.21"] };
    case "AAAA revs.council.local":
      return { records: ["2001:db8::20"] };
    case "CNAME portal.council.local":
      return { records: ["portal-avd.uksouth.example.net"] };
    case "TXT council.local":
      return { records: ["ferry-cutover=wave-3"] };
    case "A mail.council.local":
      return "nodata";
    case "A broken.council.local":
      return "servfail";
    case "A silent.council.local":
      return "drop";
    case "A flaky.council.local":
      return flaky++ % 2 === 0 ? "nxdomain" : { records: ["10.97.1.30"] };
    default:
      return "nxdomain";
  }
}

let stub: TestDnsServer;
beforeAll(async () => {
  stub = await startDnsServer(zone);
});
afterAll(() => stub.close());

const ask = (spec: Partial<DnsSpec> & { name: string }, ctx = testContext()) => dns.run(ctx, { type: "A", server: stub.server, timeout: "1s", ...spec });
const failure = (spec: Partial<DnsSpec> & { name: string }) => ask(spec).then(
  () => {
    throw new Error("expected the lookup to fail");
  },
  (e: unknown) => e as Error,
);

describe("dns action", () => {
  it("passes when every expected address is present, in any order, and returns the answers", async () => {
    const out = await ask({ name: "revs.council.local", expect: ["10.97.1.21", "10.97.1.20"] });
    expect(out).toEqual({ addresses: ["10.97.1.20", "10.97.1.21"], exists: true });
    await expect(ask({ name: "revs.council.local", expect: ["10.97.1.21"] })).resolves.toBeDefined();
  });

  it("fails naming the answer, the expectation and what is missing", async () => {
    const err = await failure({ name: "revs.council.local", expect: ["10.98.0.4"] });
    expect(err).toBeInstanceOf(ProbeFailedError);
    expect(err.message).toBe(`DNS A revs.council.local @${stub.server} answered 10.97.1.20, 10.97.1.21, expected 10.98.0.4 (missing 10.98.0.4)`);
  });

  it("compares IPv6 addresses by value, not by spelling", async () => {
    await expect(ask({ name: "revs.council.local", type: "AAAA", expect: ["2001:0db8:0:0::20"] })).resolves.toMatchObject({ addresses: ["2001:db8::20"] });
  });

  it("resolves CNAME and TXT records", async () => {
    await expect(ask({ name: "portal.council.local", type: "CNAME", expect: ["Portal-AVD.uksouth.example.net."] })).resolves.toBeDefined();
    await expect(ask({ name: "council.local", type: "TXT", expect: ["ferry-cutover=wave-3"] })).resolves.toBeDefined();
  });

  it("asserts NXDOMAIN or no records with an empty expect", async () => {
    await expect(ask({ name: "old-revs.council.local", expect: [] })).resolves.toEqual({ addresses: [], exists: false });
    await expect(ask({ name: "mail.council.local", expect: [] })).resolves.toEqual({ addresses: [], exists: false });
    const err = await failure({ name: "revs.council.local", expect: [] });
    expect(err.message).toContain("answered 10.97.1.20, 10.97.1.21, expected no such record");
  });

  it("fails on NXDOMAIN when an answer is expected", async () => {
    const err = await failure({ name: "typo.council.local" });
    expect(err).toBeInstanceOf(ProbeFailedError);
    expect(err.message).toContain("answered NXDOMAIN (no such name), expected an answer");
  });

  it("sees an intermittent NXDOMAIN answer by answer", async () => {
    const results: string[] = [];
    for (let i = 0; i < 4; i++) results.push(await ask({ name: "flaky.council.local", expect: ["10.97.1.30"] }).then(() => "pass", () => "fail"));
    expect(results).toEqual(["fail", "pass", "fail", "pass"]);
  });

  it("classifies SERVFAIL as a failed probe", async () => {
    const err = await failure({ name: "broken.council.local" });
    expect(err).toBeInstanceOf(ProbeFailedError);
    expect(err.message).toContain("the server answered ESERVFAIL");
  });

  it("gives up after the timeout when the server does not answer", async () => {
    const started = Date.now();
    const err = await failure({ name: "silent.council.local", timeout: "300ms" });
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err.message).toContain("no answer within 300ms");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("cancels the query when the step is aborted", async () => {
    const ctx = testContext();
    const pending = ask({ name: "silent.council.local", timeout: "30s" }, ctx).catch((e: unknown) => e);
    ctx.controller.abort(new Error("operator"));
    expect(await pending).toMatchObject({ code: "aborted", aborted: true });
  });

  it("refuses a server given by name", async () => {
    const err = await failure({ name: "revs.council.local", server: "dns01.council.local" });
    expect(err).toMatchObject({ code: "invalid-spec", outcome: "not-started" });
  });
});
