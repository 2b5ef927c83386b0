// The listening-socket read of /proc/<pid>/net/tcp{,6} stops at the first row in another state: it must still find
// every listener the full table lists, with many established connections in the namespace (real sockets).
import * as net from 'node:net';
import { afterAll, expect, it } from 'vitest';
import { ownListeners, socketInodes, tcpListeners, tcpTable } from '../src/proc-sockets.js';

const servers: net.Server[] = [];
const clients: net.Socket[] = [];
afterAll(async () => {
  for (const c of clients) c.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

const listen = (host: string): Promise<net.Server> => new Promise((resolve) => {
  const s = net.createServer((c) => { clients.push(c); });
  servers.push(s);
  s.listen(0, host, () => resolve(s));
});

it('tcpListeners: the same listening rows as the full table, with 300 established connections around', async () => {
  const v4 = await listen('127.0.0.1');
  const v6 = await listen('::1').catch(() => undefined);
  const port = (v4.address() as net.AddressInfo).port;
  await Promise.all(Array.from({ length: 150 }, () => new Promise<void>((resolve) => {
    const c = net.connect(port, '127.0.0.1', () => resolve());
    clients.push(c);
  })));
  const full = tcpTable(process.pid).filter((r) => r.state === 0x0a).map((r) => r.inode).sort();
  const head = tcpListeners(process.pid).map((r) => r.inode).sort();
  expect(head).toEqual(full);
  expect(tcpListeners(process.pid).some((r) => r.port === port && r.address === '127.0.0.1')).toBe(true);
  if (v6) expect(tcpListeners(process.pid).some((r) => r.port === (v6.address() as net.AddressInfo).port && r.address === '[::1]')).toBe(true);
  // ownListeners: our own listener is reported unless its inode is "held".
  const own = ownListeners([process.pid], new Set());
  expect(own).toContain(`tcp://127.0.0.1:${port}`);
  const mine = [...socketInodes(process.pid)];
  expect(ownListeners([process.pid], new Set(mine))).toEqual([]);
});
