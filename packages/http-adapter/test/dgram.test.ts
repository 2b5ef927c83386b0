// UDP across swaps: the holder's socket (SO_RCVBUF 2 MiB) keeps datagrams while workers change; the old
// worker stops reading on SIGTERM and the new one reads what is queued. Every datagram must be echoed.
import * as dgram from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import { closeFd, inspectFd, openSocket } from '@holdfast/native';
import { fixture, Notifier, sleep, startWorker, type Worker } from './helpers.js';

const notifier = new Notifier();
const opened: number[] = [];
afterAll(() => {
  notifier.close();
  for (const fd of opened) closeFd(fd);
});

describe('dgram across swaps', () => {
  it('2000 datagrams at ~2000/s across 3 swaps are all echoed', async () => {
    const fd = openSocket({ family: 'inet', type: 'dgram', host: '127.0.0.1', port: 0, receiveBuffer: 2 * 1024 * 1024 }, 'udp');
    opened.push(fd);
    const port = inspectFd(fd).port!;
    const spawnWorker = (): Worker => startWorker(fixture('udp-echo.mjs'), { fds: [{ fd, name: 'udp' }], notifier, env: { DRAIN_TIMEOUT: '5000' } });

    let current = spawnWorker();
    await current.ready;

    const client = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', r));
    const echoed = new Set<number>();
    client.on('message', (m) => echoed.add(m.readUInt32BE(0)));

    const total = 2000;
    let sent = 0;
    const sending = (async () => {
      // 20 datagrams every 10 ms ≈ 2000/s
      while (sent < total) {
        for (let i = 0; i < 20 && sent < total; i++) {
          const b = Buffer.alloc(32);
          b.writeUInt32BE(sent++, 0);
          client.send(b, port, '127.0.0.1');
        }
        await sleep(10);
      }
    })();

    const exits: Promise<{ code: number | null }>[] = [];
    const swapStarted = Date.now();
    for (let swap = 0; swap < 3; swap++) {
      const next = spawnWorker();
      await next.ready;
      current.child.kill('SIGTERM');
      exits.push(current.exited);
      current = next;
      await sleep(50);
    }
    const swapsMs = Date.now() - swapStarted;
    await sending;
    const sendDoneAt = Date.now();
    for (let i = 0; i < 100 && echoed.size < total; i++) await sleep(20);
    console.log(JSON.stringify({ sent, echoed: echoed.size, swapsMs, sendMs: sendDoneAt - swapStarted }));
    expect(sendDoneAt - swapStarted).toBeGreaterThanOrEqual(swapsMs); // the swaps happened while sending
    expect(echoed.size).toBe(total);
    expect((await Promise.all(exits)).map((e) => e.code)).toEqual([0, 0, 0]);
    current.child.kill('SIGTERM');
    expect((await current.exited).code).toBe(0);
    client.close();
  }, 20_000);
});
