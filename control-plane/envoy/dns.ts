// A tiny DNS server on loopback (node:dgram) for Envoy's dynamic forward proxy in tests and in
// `replay --envoy`: answers A queries from a table (else with `fallback`, when given), AAAA and
// other types with an empty NOERROR, unknown names with NXDOMAIN, and records every question.
import { createSocket, type Socket } from 'node:dgram';

export interface DnsServer {
  readonly port: number;
  /** Every name asked for, lower-cased, in order. */
  readonly questions: string[];
  set(name: string, ipv4: string | null): void;
  close(): Promise<void>;
}

const TYPE_A = 1;

function readName(msg: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = offset;
  while (msg[i] !== 0) {
    const len = msg[i]!;
    labels.push(msg.subarray(i + 1, i + 1 + len).toString('latin1'));
    i += 1 + len;
  }
  return { name: labels.join('.').toLowerCase(), end: i + 1 };
}

function answer(query: Buffer, records: ReadonlyMap<string, string>, questions: string[], fallback: string | null): Buffer | null {
  if (query.length < 17) return null;
  const { name, end } = readName(query, 12);
  const type = query.readUInt16BE(end);
  questions.push(name);
  const address = records.get(name) ?? fallback ?? undefined;
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2);
  const rcode = address === undefined ? 3 : 0;
  header.writeUInt16BE(0x8180 | rcode, 2);
  header.writeUInt16BE(1, 4);
  const question = query.subarray(12, end + 4);
  if (address === undefined || type !== TYPE_A) return Buffer.concat([header, question]);
  header.writeUInt16BE(1, 6);
  const rr = Buffer.alloc(16);
  rr.writeUInt16BE(0xc00c, 0);
  rr.writeUInt16BE(TYPE_A, 2);
  rr.writeUInt16BE(1, 4);
  rr.writeUInt32BE(5, 6);
  rr.writeUInt16BE(4, 10);
  address.split('.').forEach((octet, k) => rr.writeUInt8(Number(octet), 12 + k));
  return Buffer.concat([header, question, rr]);
}

/** `fallback`: the IPv4 address of every name not in the table (null: NXDOMAIN). */
export async function startDns(records: Record<string, string> = {}, fallback: string | null = null): Promise<DnsServer> {
  const table = new Map(Object.entries(records).map(([k, v]) => [k.toLowerCase(), v]));
  const questions: string[] = [];
  const socket: Socket = createSocket('udp4');
  socket.on('message', (msg, peer) => {
    const reply = answer(msg, table, questions, fallback);
    if (reply) socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    questions,
    set: (name, ipv4) => (ipv4 === null ? table.delete(name.toLowerCase()) : table.set(name.toLowerCase(), ipv4)),
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
