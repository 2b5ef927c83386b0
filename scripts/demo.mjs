#!/usr/bin/env node
// The main job, measured: holdfast holds a port for examples/hello-fastify while autocannon drives 50 keep-alive
// connections for 15 s; meanwhile 5 reloads (`holdfast reload`) and one SIGKILL of the serving worker.
// Prints a table: requests, non-2xx, errors by kind, each reload's duration.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { callControl } from '@holdfast/cli';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'packages/cli/bin/holdfast.js');
const control = join(mkdtempSync(join(tmpdir(), 'holdfast-demo-')), 'control.sock');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const DURATION_S = Number(process.env.DEMO_SECONDS ?? 15);
// autocannon stops with up to one request in flight per connection: those are not lost, only never waited for.
const CONNECTIONS = 50;

const holder = spawn(process.execPath, [bin, 'run', '--control', control, '-l', 'http=tcp://127.0.0.1:0', '--', process.execPath, join(root, 'examples/hello-fastify/server.mjs')],
  { stdio: ['ignore', 'inherit', 'pipe'], env: { ...process.env, HOLDFAST_LOG_FORMAT: 'json' } });
const holderLog = [];
holder.stderr.on('data', (d) => holderLog.push(String(d)));

async function status() { return (await callControl(control, 'GET', '/status')).body; }
async function waitGeneration(gen) {
  for (let i = 0; i < 300; i++) {
    try {
      const s = await status();
      if (s.generation >= gen && s.workers.some((w) => w.generation === s.generation && w.state === 'ready')) return s;
    } catch { /* not up yet */ }
    await sleep(50);
  }
  throw new Error(`generation ${gen} not ready:\n${holderLog.join('')}`);
}

/** One line from `holdfast reload`'s progress: when the new generation got ready and how the old one ended. */
function summarize(r) {
  const ready = r.out.match(/ready after (\d+) ms/);
  const ended = r.out.match(/(drained after \d+ ms|killed at the drain deadline[^\n]*)/);
  if (r.code !== 0 || !ready) return r.out.split('\n').filter(Boolean).pop() ?? `exit ${r.code}`;
  return `new generation ready after ${ready[1]} ms; old one ${ended ? ended[1] : 'still draining'}`;
}

function reloadCli() {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, [bin, 'reload', '--control', control], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('exit', (code) => resolve({ code, out: out.trim(), ms: performance.now() - t0 }));
  });
}

try {
  const s0 = await waitGeneration(1);
  const bound = s0.sockets[0].bound;
  const url = bound.replace('tcp://', 'http://');
  console.log(`holdfast holds ${bound}; generation 1 is pid ${s0.workers[0].pid}. Load: autocannon, ${CONNECTIONS} keep-alive connections, ${DURATION_S} s.`);

  const run = autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, pipelining: 1 });
  const events = [];
  const step = (DURATION_S * 1000) / 7;
  for (let i = 1; i <= 5; i++) {
    await sleep(step);
    const r = await reloadCli();
    const s = await status();
    events.push({ event: `reload ${i}`, ok: r.code === 0, ms: r.ms, detail: summarize(r), generation: s.generation });
  }
  await sleep(step * 0.5);
  const before = await status();
  const victim = before.workers.find((w) => w.generation === before.generation).pid;
  const tKill = performance.now();
  process.kill(victim, 'SIGKILL');
  const after = await waitGeneration(before.generation + 1);
  events.push({ event: 'SIGKILL worker', ok: true, ms: performance.now() - tKill, detail: `pid ${victim} killed; generation ${after.generation} ready`, generation: after.generation });
  const result = await run;

  const errorsByKind = { errors: result.errors, timeouts: result.timeouts, resets: result.resets ?? 0, mismatches: result.mismatches };
  const unanswered = Math.max(0, result.requests.sent - result.requests.total - result.errors - CONNECTIONS);
  console.log('\n| event | outcome | duration (ms) | generation |');
  console.log('|---|---|---:|---:|');
  for (const e of events) console.log(`| ${e.event} | ${e.ok ? 'ok' : 'FAILED'}: ${e.detail.replace(/\n/g, ' ')} | ${e.ms.toFixed(0)} | ${e.generation} |`);
  console.log('\n| figure | value |');
  console.log('|---|---:|');
  console.log(`| requests completed | ${result.requests.total} |`);
  console.log(`| requests sent | ${result.requests.sent} |`);
  console.log(`| 2xx | ${result['2xx']} |`);
  console.log(`| non-2xx | ${result.non2xx} |`);
  for (const [k, v] of Object.entries(errorsByKind)) console.log(`| errors: ${k} | ${v} |`);
  console.log(`| sent but unanswered (beyond the ${CONNECTIONS} in flight when the load stopped) | ${unanswered} |`);
  console.log(`| throughput (req/s, mean) | ${result.requests.average} |`);
  console.log(`| latency p99 (ms) | ${result.latency.p99} |`);
  console.log(JSON.stringify({ requests: result.requests.total, sent: result.requests.sent, non2xx: result.non2xx, ...errorsByKind, unanswered, events: events.map(({ event, ok, ms }) => ({ event, ok, ms: Math.round(ms) })) }));
  const failed = result.non2xx + result.errors + result.timeouts + unanswered > 0 || events.some((e) => !e.ok);
  process.exitCode = failed ? 1 : 0;
} finally {
  await callControl(control, 'POST', '/stop').catch(() => holder.kill('SIGTERM'));
  await new Promise((r) => holder.once('exit', r));
}
