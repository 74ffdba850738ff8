import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ActionError, ProbeFailedError, UnreachableError } from "../../src/actions/errors.js";
import { createHttpAction } from "../../src/actions/http.js";
import type { HttpSpec } from "../../src/model/runbook.js";
import { testContext } from "../harness/action-context.js";
import { startHttpServer } from "../harness/http-server.js";
import type { TestHttpServer } from "../harness/http-server.js";
import { closedPort, startTcpServer } from "../harness/tcp-server.js";
import { makeTestCertificates } from "../harness/tls.js";
import type { TestCertificates } from "../harness/tls.js";

const httpAction = createHttpAction();
const probe = (spec: Partial<HttpSpec> & { url: string }, ctx = testContext()) => httpAction.run(ctx, { method: "GET", ...spec });
const failure = (spec: Partial<HttpSpec> & { url: string }) => probe(spec).then(
  () => {
    throw new Error("expected the probe to fail");
  },
  (e: unknown) => e as ActionError,
);

let server: TestHttpServer;
beforeAll(async () => {
  server = await startHttpServer();
});
afterAll(() => server.close());

describe("http action", () => {
  it("passes on any 2xx by default and returns status, body and parsed JSON", async () => {
    server.route("/health", { status: 204, body: "" });
    server.route("/version", { body: '{"version":"2.4.1","ok":true}', headers: { "content-type": "application/json" } });
    expect(await probe({ url: `${server.url}/health` })).toMatchObject({ status: 204, body: "" });
    const out = await probe({ url: `${server.url}/version` });
    expect(out).toMatchObject({ status: 200, contentType: "application/json", json: { version: "2.4.1", ok: true } });
  });

  it("fails with the expected and the received status when the status is wrong", async () => {
    server.route("/down", { status: 503, body: "maintenance" });
    const err = await failure({ url: `${server.url}/down`, expect: { status: 200 } });
    expect(err).toBeInstanceOf(ProbeFailedError);
    expect(err.message).toBe(`HTTP GET ${server.url}/down answered 503, expected 200: maintenance`);
    expect(err).toMatchObject({ transient: true, outcome: "failed" });
  });

  it("follows a flapping backend answer by answer (200, 503, 200)", async () => {
    server.route("/flap", [{ status: 200 }, { status: 503 }]);
    const results: string[] = [];
    for (let i = 0; i < 3; i++) results.push(await probe({ url: `${server.url}/flap` }).then(() => "pass", () => "fail"));
    expect(results).toEqual(["pass", "fail", "pass"]);
  });

  it("checks that the body contains a text", async () => {
    server.route("/page", { body: "<h1>Revenues</h1> status: green" });
    await expect(probe({ url: `${server.url}/page`, expect: { contains: "status: green" } })).resolves.toBeDefined();
    const err = await failure({ url: `${server.url}/page`, expect: { contains: "status: red" } });
    expect(err.message).toContain('answered 200 without "status: red" in the body');
  });

  it("checks the body against a regular expression", async () => {
    server.route("/build", { body: "build 1.24.3 (2027-01-12)" });
    await expect(probe({ url: `${server.url}/build`, expect: { matches: "build 1\\.2\\d\\." } })).resolves.toBeDefined();
    const err = await failure({ url: `${server.url}/build`, expect: { matches: "^build 2\\." } });
    expect(err.message).toContain("with a body not matching /^build 2\\./");
  });

  it("checks a JSON field by dotted path with array indices", async () => {
    server.route("/status", { body: JSON.stringify({ checks: [{ name: "db", state: "up" }, { name: "queue", state: "down" }], count: 2 }), headers: { "content-type": "application/json; charset=utf-8" } });
    const url = `${server.url}/status`;
    await expect(probe({ url, expect: { json: { path: "checks[0].state", equals: "up" } } })).resolves.toBeDefined();
    await expect(probe({ url, expect: { json: { path: "count", equals: "2" } } })).resolves.toBeDefined();
    expect((await failure({ url, expect: { json: { path: "checks[1].state", equals: "up" } } })).message).toContain('answered checks[1].state = "down", expected "up"');
    expect((await failure({ url, expect: { json: { path: "checks[5].state", equals: "up" } } })).message).toContain("answered JSON without checks[5].state");
  });

  it("fails a JSON check on a body that is not JSON", async () => {
    server.route("/html", { body: "<html>oops</html>" });
    const err = await failure({ url: `${server.url}/html`, expect: { json: { path: "ok", equals: true } } });
    expect(err.message).toContain("with a body that is not JSON");
  });

  it("gives up on a slow reply after the per-request timeout", async () => {
    server.route("/slow", { delayMs: 5000, body: "late" });
    const started = Date.now();
    const err = await failure({ url: `${server.url}/slow`, timeout: "200ms" });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err).toBeInstanceOf(ProbeFailedError);
    expect(err).toMatchObject({ timedOut: true });
    expect(err.message).toBe(`HTTP GET ${server.url}/slow: no answer within 200ms`);
  });

  it("stops a request when the step is aborted", async () => {
    server.route("/slower", { delayMs: 5000 });
    const ctx = testContext();
    const arrived = server.nextRequest("/slower");
    const pending = probe({ url: `${server.url}/slower` }, ctx).catch((e: unknown) => e);
    await arrived;
    ctx.controller.abort(new Error("operator"));
    expect(await pending).toMatchObject({ code: "aborted", aborted: true });
  });

  it("classifies a refused connection as unreachable", async () => {
    const err = await failure({ url: `http://127.0.0.1:${await closedPort()}/health` });
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err).toMatchObject({ code: "host-unreachable", outcome: "not-started", transient: true });
    expect(err.message).toContain("connection refused");
  });

  it("classifies a server that accepts and closes without answering as a failed probe", async () => {
    const tcp = await startTcpServer({ mode: "accept-then-close" });
    try {
      const err = await failure({ url: `http://127.0.0.1:${tcp.port}/health` });
      expect(err).toBeInstanceOf(ProbeFailedError);
      expect(err.message).toContain("closed the connection without a complete answer");
    } finally {
      await tcp.close();
    }
  });

  it("sends the method, headers and body", async () => {
    server.route("/api/cutover", { status: 202 });
    await probe({ url: `${server.url}/api/cutover`, method: "POST", headers: { "x-change-ref": "CHG0042" }, body: '{"app":"revs-nbc"}', expect: { status: 202 } });
    const req = server.requests.at(-1)!;
    expect(req).toMatchObject({ method: "POST", path: "/api/cutover", body: '{"app":"revs-nbc"}' });
    expect(req.headers["x-change-ref"]).toBe("CHG0042");
  });

  it("reads a bounded part of a huge body and says so", async () => {
    const small = createHttpAction({ maxBodyBytes: 1000, maxOutputBytes: 100 });
    server.route("/big", { body: "x".repeat(50_000) + "needle" });
    const out = await small.run(testContext(), { url: `${server.url}/big`, method: "GET" });
    expect(out.body).toHaveLength(100);
    expect(out.bodyTruncated).toBe(true);
    const err = await small.run(testContext(), { url: `${server.url}/big`, method: "GET", expect: { contains: "needle" } }).catch((e: unknown) => e as Error);
    expect(err.message).toContain("only the first 1000 bytes were read");
  });

  it("refuses a bad regular expression before sending anything", async () => {
    const before = server.requests.length;
    const err = await failure({ url: `${server.url}/page`, expect: { matches: "(" } });
    expect(err).toMatchObject({ code: "invalid-spec", outcome: "not-started" });
    expect(server.requests.length).toBe(before);
  });
});

describe("http action over TLS", () => {
  let certs: TestCertificates;
  let tls: TestHttpServer;
  beforeAll(async () => {
    certs = makeTestCertificates();
    tls = await startHttpServer({ tls: { key: certs.key, cert: certs.cert } });
    tls.route("/health", { body: "ok" });
  });
  afterAll(() => tls.close());

  it("verifies certificates by default: a private CA is not trusted", async () => {
    const err = await failure({ url: `${tls.url}/health` });
    expect(err).toBeInstanceOf(ActionError);
    expect(err).toMatchObject({ code: "tls-untrusted", transient: false, outcome: "not-started" });
    expect(err.message).toContain("certificate is not trusted");
    expect(err.hint).toContain("ca:");
  });

  it("trusts a certificate signed by the CA given in `ca`, relative to the project", async () => {
    const out = await probe({ url: `${tls.url}/health`, ca: "ca.pem" }, testContext({ cwd: certs.dir }));
    expect(out).toMatchObject({ status: 200, body: "ok" });
  });

  it("skips verification with insecure: true", async () => {
    await expect(probe({ url: `${tls.url}/health`, insecure: true })).resolves.toMatchObject({ status: 200 });
  });

  it("fails clearly when the CA file does not exist", async () => {
    const err = await failure({ url: `${tls.url}/health`, ca: "/nonexistent/ca.pem" });
    expect(err).toMatchObject({ code: "invalid-spec" });
    expect(err.message).toContain("cannot read the CA file /nonexistent/ca.pem: ENOENT");
  });
});
