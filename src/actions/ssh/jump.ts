import type { Duplex } from "node:stream";
import { UnreachableError } from "../errors.js";
import { describeEndpoint } from "./endpoint.js";
import type { Endpoint } from "./endpoint.js";
import type { Client } from "ssh2";

/**
 * Open a `direct-tcpip` channel from the jump host to `target` (what `ssh -J` does): the
 * stream becomes the socket of the next SSH connection, whose host key is verified on its own.
 * Forwarded channels are not sessions, so they do not count against MaxSessions. The channel
 * has no TCP option of its own: its packets travel in the first hop's TCP connection, on which
 * connectEndpoint sets TCP_NODELAY (as on every connection), so steps through a chain are not
 * held back by delayed ACKs either.
 */
export function forwardThrough(jump: { client: Client; endpoint: Endpoint }, target: Endpoint): Promise<Duplex> {
  return new Promise<Duplex>((resolve, reject) => {
    const fail = (err: unknown) =>
      reject(
        new UnreachableError(`Cannot reach ${describeEndpoint(target)} from jump host ${jump.endpoint.name}: ${err instanceof Error ? err.message.replace(/^\(SSH\) /, "") : String(err)}`, {
          hint: `Check that ${jump.endpoint.name} can reach ${target.address}:${target.port} and allows TCP forwarding (AllowTcpForwarding).`,
          cause: err,
        }),
      );
    try {
      jump.client.forwardOut("127.0.0.1", 0, target.address, target.port, (err, stream) => (err ? fail(err) : resolve(stream)));
    } catch (err) {
      fail(err);
    }
  });
}
