// The measurements, one function per figure, each bounded in count and time. run.mjs alternates them
// between systems within one bench run.
import dgram from 'node:dgram';
import { watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuDelta, footprint, sleep, start, stop, treeCpu, until } from './proc.mjs';
import { countFailures, startAutocannon, startProber, startUndici } from './load.mjs';
import { APP_HOLDFAST, HOLDFAST_BIN, control, freePort, startBare, startHoldfast, tempDir, waitAnswer } from './systems.mjs';

/** Maximum-rate load for `seconds` with no reloads: req/s, CPU ms per request of the system's processes, p99. */
export async function steady(sys, seconds) {
  const root = sys.cpuRoot();
  const load = startAutocannon(sys.url);
  await sleep(300); // connections open, first requests done
  const c0 = treeCpu(root); const t0 = performance.now();
  await sleep(seconds * 1000);
  const c1 = treeCpu(root); const t1 = performance.now();
  const r = await load.stop();
  const okInWindow = countBins(r.bins, t0 - load.t0, t1 - load.t0);
  const cpuMs = cpuDelta(c0, c1);
  return { system: sys.name, seconds: (t1 - t0) / 1000, requests: okInWindow, rps: okInWindow / ((t1 - t0) / 1000), cpuMs, cpuUsPerRequest: (cpuMs * 1000) / okInWindow, p99: r.latency.p99, p50: r.latency.p50, failed: r.errors + r.non2xx };
}

function countBins(bins, fromMs, toMs) {
  let n = 0;
  bins.forEach((b, i) => { const mid = (i + 0.5) * 250; if (mid >= fromMs && mid < toMs) n += b.ok; });
  return n;
}

/**
 * autocannon at maximum rate while `count` reloads run one after another (`gapMs` apart). The first
 * `steadyMs` (after a 300 ms warm-up) have no reload: their p99 is the steady p99 of the same run.
 */
export async function reloadsUnderAutocannon(sys, count, gapMs, steadyMs = 1500) {
  const load = startAutocannon(sys.url);
  await sleep(300);
  load.setPhase('steady');
  await sleep(steadyMs);
  load.setPhase('reloads');
  const reloads = [];
  for (let i = 0; i < count; i++) {
    const startMs = load.elapsedMs();
    const r = await sys.reload();
    reloads.push({ ...r, startMs, endMs: load.elapsedMs() });
    await sleep(gapMs);
  }
  load.setPhase('tail');
  await sleep(500);
  const r = await load.stop();
  const failed = r.errors + r.non2xx;
  return { system: sys.name, reloads, reloadsOk: reloads.filter((x) => x.ok).length, failed, load: r };
}

/** The cross-check: an undici keep-alive Pool (50 connections) sees every request's fate. */
export async function reloadsUnderUndici(sys, count, gapMs) {
  const load = startUndici(sys.url);
  await sleep(700);
  const reloads = [];
  for (let i = 0; i < count; i++) { reloads.push(await sys.reload()); await sleep(gapMs); }
  await sleep(500);
  const r = await load.stop();
  return { system: sys.name, reloads: reloads.length, reloadsOk: reloads.filter((x) => x.ok).length, requests: r.requests, failed: r.failed, non2xx: r.non2xx, errorCodes: r.errorCodes,
    failedReloads: reloads.filter((x) => !x.ok).map((x) => ({ ms: Math.round(x.ms), detail: String(x.detail).slice(0, 2000) })) };
}

/** The holder's default resetAfterMs (restart-policy.ts) plus a margin, in ms. */
const STREAK_RESET_MS = 10_500;

/**
 * SIGKILL the serving worker while 4 loops open fresh connections: refused connections (and other failures)
 * from the kill on, and the time from the kill to the first answer from a new worker.
 */
export async function sigkill(sys) {
  // One crash of a healthy service: a crash within the restart policy's resetAfterMs (10 s) of the previous one is
  // the next of a streak and waits the backoff by design, so kills of one system are spaced at least that far apart.
  const since = performance.now() - (sys.lastKillAt ?? -Infinity);
  if (since < STREAK_RESET_MS) await sleep(STREAK_RESET_MS - since);
  const victim = await sys.workerPid();
  const prober = startProber(sys.port);
  await sleep(500);
  const tKill = performance.now();
  sys.lastKillAt = tKill;
  process.kill(victim, 'SIGKILL');
  let recoveredAt = null;
  await until(() => { const o = prober.outcomes.find((x) => x.ok && x.pid !== victim && x.start >= tKill); if (o) recoveredAt = o.end; return o; },
    { timeoutMs: 20_000, everyMs: 5, what: `a new ${sys.name} worker after SIGKILL` }).catch(() => {});
  await sleep(300);
  const outcomes = await prober.stop();
  const codes = countFailures(outcomes, tKill - 1);
  const refused = codes.ECONNREFUSED ?? 0;
  const other = Object.entries(codes).filter(([c]) => c !== 'ECONNREFUSED').reduce((a, [, n]) => a + n, 0);
  return { system: sys.name, refused, otherFailures: other, codes, recoveryMs: recoveredAt === null ? null : recoveredAt - tKill, recovered: recoveredAt !== null };
}

/** `count` reloads with no load (the reload's own duration, comparable with the start-up time). */
export async function idleReloads(sys, count) {
  const out = [];
  for (let i = 0; i < count; i++) { out.push(await sys.reload()); await sleep(200); }
  return out;
}

/** Startup of the bare app: spawn to first answer. */
export async function startup() {
  const b = await startBare();
  const ms = b.startupMs;
  await b.stop();
  return ms;
}

/**
 * The dev loop under holdfast: `holdfast dev --watch FILE` when the CLI has it, else emulated (fs.watch on the
 * file → POST /reload, coalesced), which is what a file-watch reload does. Returns { mode, sys, save(), stop() }.
 */
export async function startHoldfastDev() {
  const dir = tempDir('dev');
  const file = join(dir, 'version.txt');
  let version = 0;
  writeFileSync(file, '0');
  const env = { BENCH_VERSION_FILE: file };
  const help = await new Promise((res) => {
    const c = start(process.execPath, [HOLDFAST_BIN, 'dev', '--help']);
    c.exited.then(({ code }) => res({ code, out: c.output }));
  });
  const hasDev = help.code === 0 && /--watch/.test(help.out);
  let sys; let mode; let stopFn;
  if (hasDev) {
    const port = await freePort();
    const proc = start(process.execPath, [HOLDFAST_BIN, 'dev', '-l', `http=tcp://127.0.0.1:${port}`, '--control', join(dir, 'control.sock'), '--watch', file, '--', process.execPath, APP_HOLDFAST],
      { env: { ...process.env, HOLDFAST_LOG_FORMAT: 'json', ...env }, cwd: dir });
    try {
      await waitAnswer(port, { version: '0', timeoutMs: 20_000 });
      sys = { name: 'holdfast dev', port, url: `http://127.0.0.1:${port}` };
      mode = 'holdfast dev --watch';
      stopFn = () => stop(proc);
    } catch { await stop(proc); }
  }
  if (!sys) {
    const h = await startHoldfast({ env });
    let running = null; let again = false;
    const trigger = async () => {
      if (running) { again = true; return; }
      do { again = false; running = control(h.control, 'POST', '/reload').catch(() => {}); await running; running = null; } while (again);
    };
    const w = watch(file, () => { void trigger(); });
    sys = h; mode = 'emulated: fs.watch → POST /reload (holdfast dev not available yet)';
    stopFn = async () => { w.close(); while (running) await running; await h.stop(); };
  }
  return {
    mode, sys,
    async save() {
      version += 1;
      writeFileSync(file, String(version));
      return String(version);
    },
    stop: stopFn,
  };
}

/** One "save": from the write to the first answer of the new code, with fresh-connection probes meanwhile. */
export async function devSave(dev, save) {
  const prober = startProber(dev.sys.port, { parallel: 2 });
  await sleep(300);
  const t0 = performance.now();
  const version = await save();
  let answeredAt = null;
  await until(() => { const o = prober.outcomes.find((x) => x.ok && x.version === version); if (o) answeredAt = o.end; return o; },
    { timeoutMs: 20_000, everyMs: 5, what: `version ${version} answering` }).catch(() => {});
  const outcomes = await prober.stop();
  const codes = countFailures(outcomes, t0);
  return { system: dev.sys.name, saveToAnswerMs: answeredAt === null ? null : answeredAt - t0, refused: codes.ECONNREFUSED ?? 0, codes, ok: answeredAt !== null };
}

/** UDP echo under holdfast; `swaps` reloads back to back while datagrams go out at `rate`/s. */
export async function udpSwaps(swaps, rate = 5000) {
  const h = await startHoldfast({ app: join(import.meta.dirname, '../apps/udp-echo.mjs'), listen: 'echo=udp://127.0.0.1:0' });
  const port = h.port;
  const sock = dgram.createSocket('udp4');
  await new Promise((r) => sock.bind(0, '127.0.0.1', r));
  sock.setRecvBufferSize(4 * 2 ** 20);
  sock.setSendBufferSize(4 * 2 ** 20);
  const maxSeq = rate * 600;
  const got = new Uint8Array(maxSeq);
  let received = 0;
  sock.on('message', (m) => { const s = m.readUInt32BE(0); if (s < maxSeq && !got[s]) { got[s] = 1; received++; } });
  let sent = 0;
  const t0 = performance.now();
  const buf = Buffer.alloc(32);
  let sending = true;
  const sender = (async () => {
    while (sending && sent < maxSeq) {
      const due = Math.min(maxSeq, Math.floor(((performance.now() - t0) / 1000) * rate));
      while (sent < due) { const b = Buffer.from(buf); b.writeUInt32BE(sent); sock.send(b, port, '127.0.0.1'); sent++; }
      await sleep(2);
    }
  })();
  const results = [];
  try {
    await sleep(500);
    for (let i = 0; i < swaps; i++) results.push(await h.reloadApi());
    await sleep(500);
  } finally {
    sending = false;
    await sender;
  }
  await until(() => received >= sent, { timeoutMs: 2000, everyMs: 50 }).catch(() => {});
  sock.close();
  await h.stop();
  const seconds = (performance.now() - t0) / 1000;
  return { swaps: results.length, swapsOk: results.filter((r) => r.ok).length, sent, received, lost: sent - received, rate, seconds: +seconds.toFixed(1) };
}

/** Steady-state footprint of a manager process (holdfast holder / PM2 daemon). */
export const managerFootprint = (pid) => footprint(pid);

/**
 * The old generation's exit after SIGTERM while `clients` keep-alive connections sit idle (node's
 * `new http.Agent({ keepAlive: true })`: it never leaves an idle connection on its own). One request on each,
 * a reload, then one more request on each. drainMs = SIGTERM to exit, as the holder logs it; kept = connections
 * whose next request went out on the same local port (moved, not reopened).
 */
export async function idleClientsDrain(sys, clients, reloads) {
  const http = await import('node:http');
  const get = (agent) => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: sys.port, path: '/', agent }, (res) => {
      const localPort = res.socket.localPort;
      res.resume().on('end', () => resolve(localPort));
    }).on('error', reject);
  });
  const out = [];
  for (let i = 0; i < reloads; i++) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
    const before = new Set(await Promise.all(Array.from({ length: clients }, () => get(agent))));
    const oldPid = await sys.workerPid();
    const r = await sys.reload();
    const line = new RegExp(`"pid":${oldPid},[^\\n]*"drainMs":(\\d+)`);
    const drainMs = await until(() => { const m = line.exec(sys.holder.output); return m ? Number(m[1]) : false; }, { timeoutMs: 20_000, what: `drain of pid ${oldPid}` }).catch(() => null);
    const after = await Promise.all(Array.from({ length: clients }, () => get(agent)));
    agent.destroy();
    out.push({ ok: r.ok, drainMs, kept: after.filter((p) => before.has(p)).length, clients });
    await sleep(200);
  }
  return out;
}
