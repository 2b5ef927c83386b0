#!/usr/bin/env node
// node bench/adapter-swaps.mjs [--swaps N] [--app fastify|http|express|koa] [--only http1,h2,udp] [--rate 5000]
//
// Swaps workers of test/fixtures/adapter-app.mjs N times at maximum rate (start the next generation, await its
// READY=1, SIGTERM the previous one, at once start the following) under load, with a minimal in-process holder
// built from @holdfast/native (openSocket + sd_notify socket + the LISTEN_PID exec step), and counts what each
// client saw. Three runs, N swaps each:
//   http1: autocannon (50 keep-alive connections), undici Pool (32), node http.Agent keepAlive (16) and a loop
//          of non-idempotent POSTs on reused connections (8), all at once on the same app;
//   h2:    one HTTP/2 client multiplexing 16 streams on one session (a new session after each GOAWAY);
//   udp:   udp4 echo at --rate datagrams/s, lost = sent - echoed.
// autocannon does not honour `Connection: close` (it writes its next request on the closing socket, and that
// request is neither answered nor counted as an error): `unanswered` = sent - completed is reported apart.
// Prints one JSON object, then a table.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { NotifySocket, closeFd, inspectFd, openSocket } from '@holdfast/native';
import { agentLoad, h2Load, udpLoad, undiciLoad } from '../test/fixtures/adapter-load.mjs';

const { values: args } = parseArgs({ options: {
  swaps: { type: 'string', default: '100' },
  app: { type: 'string', default: 'fastify' },
  only: { type: 'string', default: 'http1,h2,udp' },
  rate: { type: 'string', default: '5000' },
} });
const SWAPS = Number(args.swaps);
const APP = fileURLToPath(new URL('../test/fixtures/adapter-app.mjs', import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const notifyPath = `@holdfast-bench-${process.pid}-${randomBytes(4).toString('hex')}`;
const notifier = NotifySocket.bind(notifyPath);
const waiting = new Map();
notifier.onMessage((m) => { if (/^READY=1$/m.test(m.data.toString())) waiting.get(m.pid)?.(); });

function startWorker(fd, kind) {
  const env = { ...process.env, KIND: kind, LISTEN_FDS: '1', LISTEN_FDNAMES: 'app', NOTIFY_SOCKET: notifyPath, DRAIN_TIMEOUT: '30000' };
  delete env.LISTEN_PID;
  const child = spawn('/bin/sh', ['-c', 'LISTEN_PID=$$ exec "$0" "$@"', process.execPath, APP], { stdio: ['ignore', 'inherit', 'pipe', fd], env });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, stderr })));
  const ready = new Promise((resolve, reject) => {
    waiting.set(child.pid, () => { waiting.delete(child.pid); resolve(); });
    exited.then((e) => reject(new Error(`worker ${child.pid} exited ${e.code ?? e.signal} before READY=1\n${e.stderr}`)));
  });
  ready.catch(() => undefined);
  return { child, ready, exited };
}

/** N swaps at maximum rate; returns per-old-worker exit codes, drain cuts (from their stderr) and timings. */
async function swaps(fd, kind, n) {
  let current = startWorker(fd, kind);
  await current.ready;
  await sleep(300); // load is flowing before the first swap
  const exits = [];
  const t0 = Date.now();
  for (let i = 0; i < n; i++) {
    const next = startWorker(fd, kind);
    await next.ready;
    current.child.kill('SIGTERM');
    exits.push(current.exited);
    current = next;
  }
  const swapSeconds = (Date.now() - t0) / 1000;
  return { current, swapSeconds, exits };
}

async function finish(current, exits) {
  current.child.kill('SIGTERM');
  const all = await Promise.all([...exits, current.exited]);
  const cut = all.filter((e) => e.stderr.includes('"drain-cut"')).length;
  return { workers: all.length, nonZeroExits: all.filter((e) => e.code !== 0).length, drainsCut: cut };
}

async function runHttp1() {
  const fd = openSocket({ family: 'inet', type: 'stream', host: '127.0.0.1', port: 0, backlog: 4096 }, 'app');
  const port = inspectFd(fd).port;
  let first = startWorker(fd, args.app);
  await first.ready;
  let acResult;
  const ac = autocannon({ url: `http://127.0.0.1:${port}/`, connections: 50, pipelining: 1, duration: 3600 }, (err, res) => { acResult = res; });
  const loads = { undici: undiciLoad(port, 32), agent: agentLoad(port, 16), post: agentLoad(port, 8, { post: true }) };
  first.child.kill('SIGTERM'); // first swap target: hand over to swaps() with a fresh worker
  const exitsFirst = first.exited;
  const { current, swapSeconds, exits } = await swaps(fd, args.app, SWAPS);
  ac.stop();
  const reports = Object.fromEntries(await Promise.all(Object.entries(loads).map(async ([k, l]) => [k, await l.stop()])));
  for (let i = 0; i < 100 && !acResult; i++) await sleep(20);
  const workers = await finish(current, [exitsFirst, ...exits]);
  closeFd(fd);
  const a = acResult;
  const autocannonReport = {
    requests: a.requests.sent, completed: a.requests.total, ok: a['2xx'], non2xx: a.non2xx, errors: a.errors, timeouts: a.timeouts,
    resets: a.resets, unanswered: a.requests.sent - a.requests.total,
  };
  return { swaps: SWAPS, swapSeconds, app: args.app, autocannon: autocannonReport, ...reports, ...workers };
}

async function runH2() {
  const fd = openSocket({ family: 'inet', type: 'stream', host: '127.0.0.1', port: 0, backlog: 4096 }, 'app');
  const port = inspectFd(fd).port;
  const first = startWorker(fd, 'h2c');
  await first.ready;
  const load = h2Load(`http://127.0.0.1:${port}`, 16);
  first.child.kill('SIGTERM');
  const { current, swapSeconds, exits } = await swaps(fd, 'h2c', SWAPS);
  const report = await load.stop();
  const workers = await finish(current, [first.exited, ...exits]);
  closeFd(fd);
  return { swaps: SWAPS, swapSeconds, h2: report, ...workers };
}

/** The kernel's drop counter (/proc/net/udp, last column) of the UDP socket bound to `port`: datagrams that did
 * not fit its receive buffer. Tells a full held buffer apart from losses elsewhere (client side, send path). */
function udpDrops(port) {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols[1]?.endsWith(hex.trim()) && cols[2] === '00000000:0000') return Number(cols[cols.length - 1]);
  }
  return null;
}

async function runUdp() {
  const fd = openSocket({ family: 'inet', type: 'dgram', host: '127.0.0.1', port: 0, receiveBuffer: 2 * 1024 * 1024 }, 'app');
  const port = inspectFd(fd).port;
  const first = startWorker(fd, 'udp4');
  await first.ready;
  const load = await udpLoad(port, Number(args.rate), 'udp4');
  // first stays the current worker until the first swap's successor is READY (swaps() starts its own first:
  // keep `first` reading until then)
  const successor = startWorker(fd, 'udp4');
  await successor.ready;
  first.child.kill('SIGTERM');
  const exits = [first.exited];
  let current = successor;
  const t0 = Date.now();
  for (let i = 1; i < SWAPS; i++) {
    const next = startWorker(fd, 'udp4');
    await next.ready;
    current.child.kill('SIGTERM');
    exits.push(current.exited);
    current = next;
  }
  const swapSeconds = (Date.now() - t0) / 1000;
  const report = await load.stop();
  const heldSocketDrops = udpDrops(port);
  const workers = await finish(current, exits);
  closeFd(fd);
  return { swaps: SWAPS, swapSeconds, udp: { rate: Number(args.rate), ...report, heldSocketDrops }, ...workers };
}

const only = new Set(args.only.split(','));
const out = {};
if (only.has('http1')) out.http1 = await runHttp1();
if (only.has('h2')) out.h2 = await runH2();
if (only.has('udp')) out.udp = await runUdp();
notifier.close();

console.log(JSON.stringify(out, null, 2));
const sumErr = (e) => (typeof e === 'number' ? e : Object.values(e ?? {}).reduce((a, b) => a + b, 0));
const rows = [];
if (out.http1) {
  const h = out.http1;
  rows.push(['autocannon (50 conns)', h.autocannon.requests, h.autocannon.errors + h.autocannon.timeouts, h.autocannon.non2xx, `unanswered ${h.autocannon.unanswered}`]);
  for (const k of ['undici', 'agent', 'post']) rows.push([{ undici: 'undici Pool (32)', agent: 'http.Agent keepAlive (16)', post: 'POST loop, reused conns (8)' }[k], h[k].requests, sumErr(h[k].errors), h[k].non2xx, '']);
}
if (out.h2) rows.push(['HTTP/2, 16 streams on 1 session', out.h2.h2.requests, sumErr(out.h2.h2.errors), out.h2.h2.non2xx, `refused+retried ${out.h2.h2.retried}, sessions ${out.h2.h2.sessions}`]);
if (out.udp) rows.push([`UDP ${out.udp.udp.rate}/s`, out.udp.udp.sent, 0, 0, `lost ${out.udp.udp.lost}`]);
const head = ['client', 'requests', 'errors', 'non-2xx', 'notes'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (r) => r.map((c, i) => String(c).padEnd(widths[i])).join(' | ');
console.log(`\n${SWAPS} swaps at maximum rate` + Object.entries(out).map(([k, v]) => ` · ${k}: ${v.swapSeconds.toFixed(1)} s, ${v.workers} workers, ${v.nonZeroExits} non-zero exits, ${v.drainsCut} drains cut`).join(''));
console.log(line(head));
console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
for (const r of rows) console.log(line(r));
process.exit(0);
