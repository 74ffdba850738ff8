import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProbeFailedError } from "../../src/actions/errors.js";
import { createTcpAction } from "../../src/actions/tcp.js";
import { testContext } from "../harness/action-context.js";
import { closedPort, startBlackHole, startTcpServer } from "../harness/tcp-server.js";
import type { TestTcpServer } from "../harness/tcp-server.js";

const tcp = createTcpAction();

describe("tcp action", () => {
  let acceptThenClose: TestTcpServer;
  let holding: TestTcpServer;
  beforeAll(async () => {
    acceptThenClose = await startTcpServer({ mode: "accept-then-close" });
    holding = await startTcpServer({ mode: "hold" });
  });
  afterAll(async () => {
    await acceptThenClose.close();
    await holding.close();
  });

  it("passes when something listens, and reports the connect time", async () => {
    const out = await tcp.run(testContext(), { host: "127.0.0.1", port: holding.port });
    expect(out).toMatchObject({ open: true, host: "127.0.0.1", port: holding.port });
    expect(typeof out.connectMs).toBe("number");
  });

  it("counts a server that accepts and immediately closes as open", async () => {
    const before = acceptThenClose.connections();
    await expect(tcp.run(testContext(), { host: "127.0.0.1", port: acceptThenClose.port, expect: "open" })).resolves.toMatchObject({ open: true });
    expect(acceptThenClose.connections()).toBe(before + 1);
  });

  it("fails an open check on a refused port, naming it closed", async () => {
    const port = await closedPort();
    const err = await tcp.run(testContext(), { host: "127.0.0.1", port }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(ProbeFailedError);
    expect(err.message).toBe(`TCP 127.0.0.1:${port} is closed, expected open: connection refused`);
  });

  it("passes a closed check on a refused port", async () => {
    await expect(tcp.run(testContext(), { host: "127.0.0.1", port: await closedPort(), expect: "closed" })).resolves.toMatchObject({ open: false });
  });

  it("fails a closed check when a connection is accepted", async () => {
    const err = await tcp.run(testContext(), { host: "127.0.0.1", port: holding.port, expect: "closed" }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(ProbeFailedError);
    expect(err.message).toContain("is open, expected closed");
  });

  it("accepts a port given as text (a rendered template) and refuses one that is not a port", async () => {
    await expect(tcp.run(testContext(), { host: "127.0.0.1", port: String(holding.port) })).resolves.toMatchObject({ open: true });
    const err = await tcp.run(testContext(), { host: "127.0.0.1", port: "ssh" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "invalid-spec", outcome: "not-started" });
  });

  it("fails an open check on a port that never answers, after the timeout", async () => {
    const hole = await startBlackHole();
    try {
      const started = Date.now();
      const err = await tcp.run(testContext(), { host: "127.0.0.1", port: hole.port, timeout: "300ms" }).catch((e: unknown) => e as Error);
      expect(err).toBeInstanceOf(ProbeFailedError);
      expect(err.message).toBe(`TCP 127.0.0.1:${hole.port} is closed, expected open: no answer within 300ms`);
      expect(Date.now() - started).toBeLessThan(1500);
      // Nothing answering also counts as closed (a filtered port).
      await expect(tcp.run(testContext(), { host: "127.0.0.1", port: hole.port, timeout: "300ms", expect: "closed" })).resolves.toMatchObject({ open: false });
    } finally {
      await hole.close();
    }
  });

  it("stops probing when the step is aborted", async () => {
    const hole = await startBlackHole();
    try {
      const ctx = testContext();
      const pending = tcp.run(ctx, { host: "127.0.0.1", port: hole.port, timeout: "30s" }).catch((e: unknown) => e);
      ctx.controller.abort(new Error("operator"));
      expect(await pending).toMatchObject({ code: "aborted" });
    } finally {
      await hole.close();
    }
  });
});
