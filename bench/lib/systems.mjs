// The systems under test, each started on its own loopback port with the same fastify app:
//   bare     — `node apps/fastify-self.mjs` listening itself
//   holdfast — `holdfast run -l http=tcp://127.0.0.1:0 -- node apps/fastify-holdfast.mjs` (the real CLI)
//   pm2      — `pm2 start apps/fastify-self.mjs -i 1` (cluster mode) with its own PM2_HOME in a temp dir
//   nodemon  — `nodemon --watch FILE apps/fastify-self.mjs`; touching FILE restarts it
// Each exposes { name, url, port, cpuRoot(), reload(), stop() }. Everything started is tracked by proc.mjs.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { Agent } from 'undici';
import { alive, onCleanup, run, sleep, start, stop, until, withTimeout } from './proc.mjs';

export const BENCH = fileURLToPath(new URL('..', import.meta.url));
export const ROOT = join(BENCH, '..');
export const HOLDFAST_BIN = join(ROOT, 'packages/cli/bin/holdfast.js');
export const PM2_BIN = join(BENCH, 'node_modules/pm2/bin/pm2');
export const NODEMON_BIN = join(BENCH, 'node_modules/nodemon/bin/nodemon.js');
export const APP_SELF = join(BENCH, 'apps/fastify-self.mjs');
export const APP_HOLDFAST = join(BENCH, 'apps/fastify-holdfast.mjs');
export const APP_NEVER_READY = join(BENCH, 'apps/never-ready.mjs');
const node = process.execPath;

export const tempDir = (prefix) => {
  const d = mkdtempSync(join(tmpdir(), `holdfast-bench-${prefix}-`));
  onCleanup(() => rmSync(d, { recursive: true, force: true }));
  return d;
};

/** A free loopback TCP port (bound and released; good enough on a machine where we choose the ports). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** One GET / on a fresh connection: { ok, status, pid, version } or { ok: false, code }. Bounded. */
export function probe(port, timeoutMs = 3000) {
  return new Promise((resolve) => {
    let data = '';
    let done = false;
    const finish = (r) => { if (!done) { done = true; clearTimeout(t); sock.destroy(); resolve(r); } };
    const sock = net.connect(port, '127.0.0.1');
    const t = setTimeout(() => finish({ ok: false, code: 'TIMEOUT' }), timeoutMs);
    sock.on('connect', () => sock.write('GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n'));
    sock.on('data', (d) => { data += d; });
    sock.on('error', (err) => finish({ ok: false, code: err.code ?? String(err) }));
    sock.on('close', () => {
      const m = /^HTTP\/1\.1 (\d+)/.exec(data);
      if (!m) return finish({ ok: false, code: data ? 'BAD_RESPONSE' : 'EMPTY' });
      const status = Number(m[1]);
      let body = {};
      try { body = JSON.parse(data.slice(data.indexOf('\r\n\r\n') + 4)); } catch { /* not JSON */ }
      finish({ ok: status === 200, status, code: status === 200 ? undefined : `HTTP_${status}`, pid: body.pid, version: body.version });
    });
  });
}

/** Wait until the app on `port` answers 200 (optionally with a pid other than `notPid` / a given version). */
export function waitAnswer(port, { notPid, version, timeoutMs = 20_000 } = {}) {
  return until(async () => {
    const r = await probe(port, 1000);
    return r.ok && (notPid === undefined || r.pid !== notPid) && (version === undefined || r.version === version) ? r : false;
  }, { timeoutMs, everyMs: 10, what: `an answer on port ${port}` });
}

/** The app alone, listening on $PORT itself (`app`: APP_SELF, or APP_HOLDFAST, which binds its fallback then). */
export async function startBare({ port, env = {}, app = APP_SELF } = {}) {
  port ??= await freePort();
  const t0 = performance.now();
  const proc = start(node, [app], { env: { ...process.env, ...env, PORT: String(port) } });
  const first = await waitAnswer(port).catch((err) => { throw new Error(`${err.message}\n${proc.output}`); });
  return { name: 'bare', port, url: `http://127.0.0.1:${port}`, proc, startupMs: performance.now() - t0, cpuRoot: () => proc.pid, workerPid: async () => first.pid, stop: () => stop(proc) };
}

/** A control API call with an optional JSON body (callControl from '@holdfast/cli' sends none). */
export async function control(path, method, route, body) {
  const dispatcher = new Agent({ connect: { socketPath: path }, headersTimeout: 0, bodyTimeout: 0 });
  try {
    const res = await request(`http://holdfast${route}`, { method, dispatcher, body: body ? JSON.stringify(body) : undefined, headers: body ? { 'content-type': 'application/json' } : {} });
    return { statusCode: res.statusCode, body: await res.body.json() };
  } finally { await dispatcher.close(); }
}

/**
 * holdfast run through the real CLI. `fault: 'reload'` makes every reload deploy apps/never-ready.mjs, so each
 * must roll back (a bench that cannot see a failed reload is no bench). `command`: the worker command (default:
 * node APP); `holderArgs`: more `holdfast run` options; `readyTimeoutMs`: how long to wait for generation 1 (a
 * worker under valgrind starts in tens of seconds).
 */
export async function startHoldfast({ app = APP_HOLDFAST, command = [node, app], holderArgs = [], readyTimeoutMs = 20_000, listen = 'http=tcp://127.0.0.1:0', env = {}, fault, warmup = 0, standby = 0 } = {}) {
  const dir = tempDir('holdfast');
  const ctl = join(dir, 'control.sock');
  // warmup: runs of GET / in-process before READY=1 (0: off); standby: warm standbys (--standby).
  const extra = [...(warmup > 0 ? ['--warmup', '/', '--warmup-count', String(warmup)] : []), ...(standby > 0 ? ['--standby', String(standby)] : [])];
  const holder = start(node, [HOLDFAST_BIN, 'run', '--control', ctl, '-l', listen, '--drain-timeout', '10s', ...extra, ...holderArgs, '--', ...command],
    { env: { ...process.env, HOLDFAST_LOG_FORMAT: 'json', ...env } });
  onCleanup(() => stopHolder(ctl, holder));
  const status = async () => (await control(ctl, 'GET', '/status')).body;
  const s = await until(async () => {
    if (holder.exitedYet()) throw new Error(`holder exited ${holder.exitCode}:\n${holder.output}`);
    const st = await status();
    return st.workers?.some((w) => w.generation === st.generation && w.state === 'ready') ? st : false;
  }, { timeoutMs: readyTimeoutMs, what: 'holdfast generation 1' }).catch((err) => { throw new Error(`${err.message}\n${holder.output}`); });
  const bound = s.sockets[0].bound;
  const port = Number(/:(\d+)$/.exec(bound)[1]);
  return {
    name: 'holdfast', port, bound, url: `http://127.0.0.1:${port}`, control: ctl, holder, status,
    cpuRoot: () => holder.pid,
    workerPid: async () => { const st = await status(); return st.workers.find((w) => w.generation === st.generation && !w.standby)?.pid; },
    /** `holdfast reload` as a separate CLI process, as a user runs it. */
    async reload() {
      if (fault === 'reload') {
        const t0 = performance.now();
        const r = await control(ctl, 'POST', '/reload', { command: [node, APP_NEVER_READY] });
        return { ok: r.statusCode === 200 && r.body.ok === true, ms: performance.now() - t0, detail: r.body.error?.code ?? 'ok' };
      }
      const r = await run(node, [HOLDFAST_BIN, 'reload', '--control', ctl], { timeoutMs: 60_000 });
      const ready = /ready after (\d+) ms/.exec(r.out);
      return { ok: r.code === 0, ms: r.ms, readyMs: ready ? Number(ready[1]) : undefined, detail: r.out.trim() };
    },
    /** POST /reload straight to the control API (the soak: no CLI process per reload). */
    async reloadApi() {
      const t0 = performance.now();
      const r = await control(ctl, 'POST', '/reload');
      return { ok: r.statusCode === 200 && r.body.ok === true, ms: performance.now() - t0, readyMs: r.body.readyMs, detail: r.body.error?.code ?? 'ok' };
    },
    stop: () => stopHolder(ctl, holder),
  };
}

async function stopHolder(ctl, holder) {
  if (holder.exitedYet()) return;
  await control(ctl, 'POST', '/stop').catch(() => holder.kill('SIGTERM'));
  await withTimeout(holder.exited, 15_000, 'holder stop').catch(() => stop(holder, 0));
}

/** PM2 in cluster mode, one instance, its own daemon (PM2_HOME in a temp dir; never ~/.pm2). */
export async function startPm2({ port, env = {}, app = APP_SELF } = {}) {
  port ??= await freePort();
  const home = tempDir('pm2');
  const penv = { ...process.env, ...env, PM2_HOME: home, PORT: String(port), PM2_DISABLE_VERSION_CHECK: 'true' };
  const pm2 = (args, timeoutMs = 60_000) => run(node, [PM2_BIN, ...args], { env: penv, timeoutMs, cwd: BENCH });
  onCleanup(async () => {
    await pm2(['kill'], 20_000).catch(() => {});
    const pidFile = join(home, 'pm2.pid');
    if (existsSync(pidFile)) { const pid = Number(readFileSync(pidFile, 'utf8')); if (alive(pid)) process.kill(pid, 'SIGKILL'); }
  });
  const t0 = performance.now();
  const r = await pm2(['start', app, '-i', '1', '--name', 'bench']);
  if (r.code !== 0) throw new Error(`pm2 start failed:\n${r.out}`);
  const first = await waitAnswer(port).catch(async (err) => { throw new Error(`${err.message}\n${(await pm2(['logs', '--nostream', '--lines', '30'])).out}`); });
  const daemonPid = () => Number(readFileSync(join(home, 'pm2.pid'), 'utf8'));
  return {
    name: 'pm2', port, url: `http://127.0.0.1:${port}`, home, env: penv, startMs: performance.now() - t0, cpuRoot: daemonPid, daemonPid,
    workerPid: async () => (await probe(port)).pid ?? first.pid,
    async reload() {
      const x = await pm2(['reload', 'bench']);
      return { ok: x.code === 0, ms: x.ms, detail: x.out.trim().split('\n').slice(-1)[0] };
    },
    pm2,
    async stop() { await pm2(['kill'], 20_000).catch(() => {}); },
  };
}

/** nodemon watching one file; `reload()` writes it (a "save") and waits for the new code to answer. */
export async function startNodemon({ port, env = {} } = {}) {
  port ??= await freePort();
  const dir = tempDir('nodemon');
  const file = join(dir, 'version.txt');
  let version = 0;
  writeFileSync(file, String(version));
  const proc = start(node, [NODEMON_BIN, '--watch', file, '--ext', 'txt', '--', APP_SELF],
    { env: { ...process.env, ...env, PORT: String(port), BENCH_VERSION_FILE: file }, cwd: dir });
  const first = await waitAnswer(port, { version: '0' }).catch((err) => { throw new Error(`${err.message}\n${proc.output}`); });
  let pid = first.pid;
  return {
    name: 'nodemon', port, url: `http://127.0.0.1:${port}`, file, cpuRoot: () => proc.pid, proc,
    workerPid: async () => pid,
    /** Save: write the next version, resolve once it answers. */
    async reload() {
      const t0 = performance.now();
      version += 1;
      writeFileSync(file, String(version));
      try {
        const r = await waitAnswer(port, { version: String(version), timeoutMs: 20_000 });
        pid = r.pid;
        return { ok: true, ms: performance.now() - t0, detail: `pid ${r.pid}` };
      } catch (err) { return { ok: false, ms: performance.now() - t0, detail: err.message }; }
    },
    stop: () => stop(proc),
  };
}

export { sleep };
