import { createSocket } from "node:dgram";
import type { AddressInfo } from "node:net";
import { Address6 } from "ip-address";

export type DnsType = "A" | "AAAA" | "CNAME" | "TXT";

/** What the stub says to one question: records, NXDOMAIN, no records (NODATA), SERVFAIL, or silence. */
export type DnsAnswer = { records: string[] } | "nxdomain" | "nodata" | "servfail" | "drop";

export interface DnsQuestion {
  name: string;
  type: DnsType | number;
}

export interface TestDnsServer {
  /** `127.0.0.1:<port>`, as a `dns` step's `server`. */
  server: string;
  port: number;
  /** Every question received, in order. */
  queries: DnsQuestion[];
  close(): Promise<void>;
}

const TYPE_CODES: Record<DnsType, number> = { A: 1, CNAME: 5, TXT: 16, AAAA: 28 };
const TYPE_NAMES = new Map<number, DnsType>(Object.entries(TYPE_CODES).map(([k, v]) => [v, k as DnsType]));

/**
 * A tiny authoritative DNS stub over UDP on 127.0.0.1: `answer(question, n)` scripts each
 * reply (`n` counts queries so far, for intermittent answers). It reads only the question of
 * a query and encodes only A, AAAA, CNAME and TXT; enough for resolver tests, nothing more.
 */
export async function startDnsServer(answer: (q: DnsQuestion, n: number) => DnsAnswer): Promise<TestDnsServer> {
  const socket = createSocket("udp4");
  const queries: DnsQuestion[] = [];
  socket.on("message", (msg, rinfo) => {
    const parsed = parseQuery(msg);
    if (parsed === undefined) return;
    const question = { name: parsed.name, type: TYPE_NAMES.get(parsed.qtype) ?? parsed.qtype };
    queries.push(question);
    const reply = answer(question, queries.length - 1);
    if (reply === "drop") return;
    socket.send(encodeReply(msg, parsed, reply), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const port = (socket.address() as AddressInfo).port;
  return {
    server: `127.0.0.1:${port}`,
    port,
    queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

interface ParsedQuery {
  name: string;
  qtype: number;
  /** Byte offset just after the question (header + question are echoed back). */
  questionEnd: number;
}

function parseQuery(msg: Buffer): ParsedQuery | undefined {
  if (msg.length < 12 || msg.readUInt16BE(4) < 1) return undefined;
  const labels: string[] = [];
  let i = 12;
  while (i < msg.length && msg[i] !== 0) {
    const len = msg[i]!;
    labels.push(msg.subarray(i + 1, i + 1 + len).toString("ascii"));
    i += len + 1;
  }
  if (i + 5 > msg.length) return undefined;
  return { name: labels.join("."), qtype: msg.readUInt16BE(i + 1), questionEnd: i + 5 };
}

function encodeReply(query: Buffer, q: ParsedQuery, reply: Exclude<DnsAnswer, "drop">): Buffer {
  const rcode = reply === "nxdomain" ? 3 : reply === "servfail" ? 2 : 0;
  const records = typeof reply === "object" ? reply.records : [];
  const answers = records.map((r) => encodeRecord(q.qtype, r));
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  // QR, opcode copied, AA, RD copied, RA, rcode.
  const flags = 0x8000 | (query.readUInt16BE(2) & 0x7900) | 0x0400 | 0x0080 | rcode;
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  return Buffer.concat([header, query.subarray(12, q.questionEnd), ...answers]);
}

function encodeRecord(qtype: number, value: string): Buffer {
  let rdata: Buffer;
  switch (qtype) {
    case TYPE_CODES.A:
      rdata = Buffer.from(value.split(".").map(Number));
      break;
    case TYPE_CODES.AAAA:
      rdata = Buffer.from(toSixteen(new Address6(value).canonicalForm()));
      break;
    case TYPE_CODES.CNAME:
      rdata = encodeName(value);
      break;
    case TYPE_CODES.TXT: {
      const text = Buffer.from(value, "utf8");
      const parts: Buffer[] = [];
      for (let i = 0; i < text.length || i === 0; i += 255) {
        const part = text.subarray(i, i + 255);
        parts.push(Buffer.from([part.length]), part);
        if (text.length === 0) break;
      }
      rdata = Buffer.concat(parts);
      break;
    }
    default:
      throw new Error(`dns stub cannot encode type ${qtype}`);
  }
  const rr = Buffer.alloc(12);
  rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
  rr.writeUInt16BE(qtype, 2);
  rr.writeUInt16BE(1, 4); // class IN
  rr.writeUInt32BE(60, 6);
  rr.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([rr, rdata]);
}

function toSixteen(canonical: string): number[] {
  return canonical.split(":").flatMap((group) => {
    const n = parseInt(group, 16);
    return [n >> 8, n & 0xff];
  });
}

function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, "").split(".").filter(Boolean).map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, "ascii")]));
  return Buffer.concat([...parts, Buffer.from([0])]);
}
