#!/usr/bin/env node
// What a stop does to new connections: a plain node:http app (test/fixtures/slow-plain.cjs) holds a 2 s request,
// `clients` loops open one connection per request, the holder gets SIGTERM. Counts each loop's requests by when
// they started: before the drain began (the holder's "draining" line), between it and the first refusal seen
// (answered, or in the worker's accept queue when it closed its listener), and after the first refusal was seen;
// and whether the slow request was answered. Also the time from the drain's start to the first refused connect.
// Usage: node scripts/measure/stop-new-connections.mjs [stops=5] [clients=20]   (needs `pnpm run build`)
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const stops = Number(process.argv[2] ?? 5);
const clients = Number(process.argv[3] ?? 20);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One GET on a fresh connection; 'ok' or the error code. */
function getOnce(port, path) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 8000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? 'ok' : `status ${res.statusCode}`));
      res.on('error', (e) => resolve(e.code));
    });
    req.on('timeout', () => { req.destroy(); resolve('TIMEOUT'); });
    req.on('error', (e) => resolve(e.code));
  });
}

const tally = (list) => list.reduce((t, o) => { t[o.r] = (t[o.r] ?? 0) + 1; return t; }, {});
for (let stop = 1; stop <= stops; stop++) {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-measure-'));
  const h = spawn(process.execPath, [join(ROOT, 'packages/cli/bin/holdfast.js'), 'run', '--control', join(dir, 'control.sock'),
    '-l', 'http=tcp://127.0.0.1:0', '--drain-timeout', '10s', '--', process.execPath, join(ROOT, 'test/fixtures/slow-plain.cjs')],
  { env: { ...process.env, HOLDFAST_LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  h.stdout.on('data', (d) => { out += d; });
  h.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((r) => h.once('exit', r));
  while (!/"msg":"ready in/.test(out)) await sleep(50);
  const port = Number(/"bound":"tcp:\/\/127\.0\.0\.1:(\d+)"/.exec(out)[1]);
  const slow = getOnce(port, '/slow');
  let running = true;
  const results = [];
  let started = 0;
  let refusedSeen = Infinity; // requests started when the first refusal was seen
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      const n = ++started;
      const t = Date.now();
      const r = await getOnce(port, '/');
      results.push({ n, t, r });
      if (r === 'ECONNREFUSED' && refusedSeen === Infinity) refusedSeen = started;
      if (r !== 'ok') await sleep(10);
    }
  });
  await sleep(400);
  h.kill('SIGTERM');
  await exited;
  running = false;
  await Promise.all(loops);
  const began = Date.parse(JSON.parse(out.split('\n').find((l) => l.includes('"msg":"draining"'))).time);
  const refusedAt = Math.min(...results.filter((o) => o.r === 'ECONNREFUSED').map((o) => o.t));
  console.log(JSON.stringify({
    stop, slow: await slow,
    beforeDrain: tally(results.filter((o) => o.t < began)),
    untilRefused: tally(results.filter((o) => o.t >= began && o.n <= refusedSeen)),
    afterRefused: tally(results.filter((o) => o.n > refusedSeen)),
    drainToFirstRefusalMs: refusedAt - began,
  }));
}
