#!/usr/bin/env node
// A client that connects and waits before writing its request: across reloads, how many such requests are lost?
// The drain closes connections that sent nothing after a 20 ms grace (docs/adapters.md), so a client that waits
// longer than that after connecting loses its request when a reload lands in between.
// Usage: node scripts/measure/delayed-first-write.mjs [reloads=3] [clients=16]   (needs `pnpm run build` first)
import net from 'node:net';
import { startHolder } from './lib-holder.mjs';

const reloads = Number(process.argv[2] ?? 3);
const clients = Number(process.argv[3] ?? 16);

async function measure(delayMs) {
  const h = await startHolder('test/fixtures/ok-app.mjs');
  let ok = 0; let lost = 0; let running = true;
  const one = () => new Promise((resolve) => {
    const s = net.connect(h.port, '127.0.0.1');
    let answer = '';
    s.on('connect', () => setTimeout(() => s.write('GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'), delayMs));
    s.on('data', (d) => { answer += d; });
    s.on('error', () => {});
    s.on('close', () => { if (answer.startsWith('HTTP/1.1 200')) ok++; else lost++; resolve(); });
  });
  const loops = Array.from({ length: clients }, async () => { while (running) await one(); });
  for (let i = 0; i < reloads; i++) { await new Promise((r) => setTimeout(r, 700)); await h.reload(); }
  running = false;
  await Promise.all(loops);
  await h.stop();
  return { delayMs, reloads, clients, answered: ok, lost };
}

for (const delay of [0, 30, 50]) console.log(JSON.stringify(await measure(delay)));
