// UDP: datagrams that arrive while generations swap wait in the held socket's receive buffer; none is lost.
import dgram from 'node:dgram';
import { afterEach, expect, it } from 'vitest';
import { example, HolderProcess, sleep } from './helpers/holdfast.js';

let holder: HolderProcess | undefined;
afterEach(async () => { await holder?.stop(); holder = undefined; });

it('datagrams sent at 2000/s across 3 reloads all arrive', async () => {
  holder = new HolderProcess(['-l', 'echo=udp://127.0.0.1:0', '--', process.execPath, example('udp-echo')]);
  await holder.waitReady(1);
  const { port } = await holder.address('echo');
  const client = dgram.createSocket('udp4');
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
  client.setRecvBufferSize(4 * 1024 * 1024);
  const got = new Set<number>();
  client.on('message', (m) => got.add(m.readUInt32BE(0)));
  const total = 8000; // 4 s at 2000/s
  let sent = 0;
  const sender = (async () => {
    const t0 = performance.now();
    while (sent < total) {
      const due = Math.min(total, Math.floor((performance.now() - t0) * 2)); // 2 per ms
      for (; sent < due; sent++) {
        const b = Buffer.alloc(32);
        b.writeUInt32BE(sent, 0);
        client.send(b, port, '127.0.0.1');
      }
      await sleep(5);
    }
  })();
  for (let i = 0; i < 3; i++) {
    await sleep(900);
    const r = await holder.reloadCli();
    expect(r.code, r.out).toBe(0);
  }
  await sender;
  const deadline = Date.now() + 5000;
  while (got.size < total && Date.now() < deadline) await sleep(50);
  client.close();
  expect((await holder.status()).generation).toBe(4);
  expect(total - got.size).toBe(0);
});
