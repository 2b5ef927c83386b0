#!/usr/bin/env node
// What a failing new generation costs: it shares the socket from the moment it listens, so connections it
// accepted before it crashed are reset. Clients open one connection per request while deploys that crash right
// after READY=1 are rolled back; the old generation keeps serving everything else.
// Usage: node scripts/measure/rolled-back-deploy-resets.mjs [deploys=3] [clients=16]   (needs `pnpm run build`)
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startHolder } from './lib-holder.mjs';

const deploys = Number(process.argv[2] ?? 3);
const clients = Number(process.argv[3] ?? 16);
const modeFile = join(mkdtempSync(join(tmpdir(), 'holdfast-measure-')), 'mode');
writeFileSync(modeFile, 'ok');
const h = await startHolder('scripts/measure/crash-after-listen.mjs', { MODE_FILE: modeFile });
const tally = { answered: 0, reset: 0, other: 0 };
let running = true;
const loops = Array.from({ length: clients }, async () => {
  while (running) {
    try { const r = await request(`http://127.0.0.1:${h.port}/`, { reset: true }); await r.body.text(); tally.answered++; } catch (e) { if (e.code === 'ECONNRESET' || e.code === 'UND_ERR_SOCKET') tally.reset++; else tally.other++; }
  }
});
writeFileSync(modeFile, 'crash');
const results = [];
for (let i = 0; i < deploys; i++) results.push((await h.reload()).code);
running = false;
await Promise.all(loops);
await h.stop();
console.log(JSON.stringify({ deploys, reloadExitCodes: results, clients, ...tally }));
