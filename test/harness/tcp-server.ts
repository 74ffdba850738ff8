import { createServer } from "node:net";
import type { AddressInfo, Socket } from "node:net";

export interface TestTcpServer {
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * A TCP server on 127.0.0.1 and a free port. `accept-then-close` (the default) accepts and
 * closes at once, like a service whose listener is up but whose backend is not; `hold`
 * keeps connections open until the server closes.
 */
export async function startTcpServer(opts: { mode?: "accept-then-close" | "hold" } = {}): Promise<TestTcpServer> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createServer((socket) => {
    count++;
    socket.on("error", () => {});
    if ((opts.mode ?? "accept-then-close") === "accept-then-close") return void socket.destroy();
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => count,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A port on 127.0.0.1 with nothing listening (it was free a moment ago), for "connection
 * refused" cases.
 */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A port on 127.0.0.1 that answers no SYN: a listener in a stopped child process whose
 * accept queue (backlog 1) is filled by parked connections, so the kernel drops new
 * handshakes, the loopback stand-in for a filtered port or a black-holed host.
 */
export async function startBlackHole(): Promise<{ port: number; close(): Promise<void> }> {
  const { spawn } = await import("node:child_process");
  const { connect } = await import("node:net");
  const child = spawn(process.execPath, ["-e", 'const s=require("net").createServer();s.listen({port:0,host:"127.0.0.1",backlog:1},()=>console.log(s.address().port))'], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve) => child.stdout.once("data", (d: Buffer) => resolve(Number(d.toString().trim()))));
  child.kill("SIGSTOP");
  const parked = [0, 1, 2].map(() => connect({ host: "127.0.0.1", port }).on("error", () => {}));
  // Wait for the first two to be queued; the third keeps retrying its SYN.
  await Promise.all(parked.slice(0, 2).map((s) => new Promise((resolve) => s.once("connect", resolve))));
  return {
    port,
    close: async () => {
      for (const s of parked) s.destroy();
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    },
  };
}
