// Process plumbing for the bench: spawn with tracking (everything started is stopped at the end, even on
// failure), and /proc readings: CPU time, RSS, fd count and descendants of a process.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const CLK_TCK = 100; // getconf CLK_TCK on Linux x86-64/arm64
const PAGE = 4096;

/** Reject after `ms` with a message naming `what`. */
export function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([promise, new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`timeout after ${ms} ms: ${what}`)), ms); })])
    .finally(() => clearTimeout(t));
}

/** Poll `fn` until it returns a truthy value, at most `timeoutMs`. */
export async function until(fn, { timeoutMs = 15_000, everyMs = 25, what = 'condition' } = {}) {
  const t0 = Date.now();
  let last;
  while (Date.now() - t0 < timeoutMs) {
    try { const v = await fn(); if (v) return v; } catch (err) { last = err; }
    await sleep(everyMs);
  }
  throw new Error(`timeout after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

function stat(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
  return { ppid: Number(f[1]), utime: Number(f[11]), stime: Number(f[12]), rssPages: Number(f[21]) };
}

/** All live descendants of `pid` (not `pid` itself). */
export function descendants(pid) {
  const children = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try { const { ppid } = stat(d); if (!children.has(ppid)) children.set(ppid, []); children.get(ppid).push(Number(d)); } catch { /* gone */ }
  }
  const out = [];
  const todo = [pid];
  while (todo.length) for (const c of children.get(todo.pop()) ?? []) { out.push(c); todo.push(c); }
  return out;
}

/** user+sys CPU ms of `pid` and its live descendants, per pid (so that a comparison can match pids). */
export function treeCpu(pid) {
  const per = {};
  for (const p of [pid, ...descendants(pid)]) {
    try { const s = stat(p); per[p] = ((s.utime + s.stime) * 1000) / CLK_TCK; } catch { /* gone */ }
  }
  return per;
}

/**
 * The same in ns resolution: the first field of /proc/PID/task/TID/schedstat (time on a CPU, ns) summed over every
 * thread, as ms. stat's utime+stime count 10 ms ticks, too coarse for windows of a few seconds.
 */
export function treeCpuFine(pid) {
  const per = {};
  for (const p of [pid, ...descendants(pid)]) {
    try { per[p] = threadsCpuMs(p); } catch { /* gone */ }
  }
  return per;
}

/** CPU ms (schedstat ns resolution) of every thread of `pid` alone, not its descendants. Throws when `pid` is gone. */
export function threadsCpuMs(pid) {
  let ns = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try { ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]); } catch { /* thread gone */ }
  }
  return ns / 1e6;
}

/** CPU ms spent between two treeCpu() readings by the pids alive at both (pids that came or went are skipped). */
export function cpuDelta(before, after) {
  let ms = 0;
  for (const [p, v] of Object.entries(after)) if (p in before) ms += v - before[p];
  return ms;
}

/** RSS (MiB), open fds and live descendant count of `pid`. */
export function footprint(pid) {
  const s = stat(pid);
  return { rssMiB: +((s.rssPages * PAGE) / 2 ** 20).toFixed(1), fds: readdirSync(`/proc/${pid}/fd`).length, children: descendants(pid).length };
}

/**
 * From /proc/PID/smaps_rollup, in MiB: PSS (shared pages divided among the processes mapping them) and the
 * anonymous part (heap, stacks: memory only this process uses); nulls when unreadable.
 */
export function smapsMiB(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kib = (k) => { const m = new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s); return m ? +(Number(m[1]) / 1024).toFixed(1) : null; };
    return { pssMiB: kib('Pss'), anonMiB: kib('Anonymous') };
  } catch { return { pssMiB: null, anonMiB: null }; }
}

export function alive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

const tracked = new Set();
const cleanups = [];

/** spawn() and remember the child, so that stopAll() ends it whatever happened. */
export function start(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  child.output = '';
  const keep = (d) => { child.output = (child.output + d).slice(-20_000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  child.exitedYet = () => child.exitCode !== null || child.signalCode !== null;
  tracked.add(child);
  child.once('exit', () => tracked.delete(child));
  return child;
}

/** Run a command to completion (bounded): { code, out, ms }. */
export async function run(cmd, args, opts = {}) {
  const t0 = performance.now();
  const c = start(cmd, args, opts);
  const { code } = await withTimeout(c.exited, opts.timeoutMs ?? 60_000, `${cmd} ${args.join(' ')}`).catch((err) => { c.kill('SIGKILL'); throw err; });
  return { code, out: c.output, ms: performance.now() - t0 };
}

/** Stop a child: SIGTERM, then SIGKILL after `graceMs`; also its descendants that outlive it. */
export async function stop(child, graceMs = 5000) {
  if (!child || child.exitedYet()) return;
  const kids = descendants(child.pid);
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(t);
  await sleep(50);
  for (const k of kids) if (alive(k)) { try { process.kill(k, 'SIGKILL'); } catch { /* gone */ } }
}

/** Register a cleanup (PM2 kill, ...) that stopAll() runs. */
export function onCleanup(fn) { cleanups.push(fn); }

/** Run every cleanup, then stop every tracked child. Bounded; never throws. */
export async function stopAll() {
  for (const fn of cleanups.splice(0).reverse()) {
    try { await withTimeout(Promise.resolve().then(fn), 20_000, 'cleanup'); } catch (err) { process.stderr.write(`bench cleanup: ${err.message}\n`); }
  }
  await Promise.all([...tracked].map((c) => stop(c).catch(() => {})));
}

let installed = false;
/** On SIGINT/SIGTERM: stop everything, then exit 130/143. */
export function installSignalCleanup() {
  if (installed) return;
  installed = true;
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
    process.once(sig, () => { stopAll().finally(() => process.exit(code)); });
  }
}
