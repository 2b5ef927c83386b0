// Instructions executed by a node process, counted by valgrind's callgrind: the same count whatever else the
// machine does (a VM without hardware counters has no `perf stat -e instructions`). The process runs under
// `valgrind --tool=callgrind --instr-atstart=no --separate-threads=yes`; `callgrind_control` (valgrind's vgdb) turns
// the instrumentation on, zeroes the counters and dumps them, one file per thread per dump, whose `totals:` line
// is the instruction count (Ir) of that thread since the last zero. Thread 1 is node's main thread (JavaScript,
// the event loop, scavenges); the others are V8's compiler and GC helpers and libuv's pool.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client, request } from 'undici';
import { run } from './proc.mjs';

/** null when valgrind and callgrind_control run, else why not (the section reports it instead of failing). */
export function valgrindMissing() {
  for (const [cmd, arg] of [['valgrind', '--version'], ['callgrind_control', '--version']]) {
    const r = spawnSync(cmd, [arg], { stdio: 'ignore', timeout: 10_000 });
    if (r.error) return `${cmd} not installed (apt-get install valgrind)`;
  }
  return null;
}

/** The command prefix that runs a program under callgrind, instrumentation off, dumps in `dir`. */
export const callgrindPrefix = (dir) => ['valgrind', '--tool=callgrind', '--instr-atstart=no', '--separate-threads=yes', `--callgrind-out-file=${join(dir, 'cg.%p')}`];

/** `callgrind_control FLAG... PID` (always by pid: several valgrind processes run at once). Throws on failure. */
export async function control(pid, ...flags) {
  const r = await run('callgrind_control', [...flags, String(pid)], { timeoutMs: 60_000 });
  if (r.code !== 0 || /Error|not found|No active/i.test(r.out)) throw new Error(`callgrind_control ${flags.join(' ')} ${pid} failed (exit ${r.code}): ${r.out.trim()}`);
}

/**
 * Dump the counters of `pid` (which also zeroes them) and read the new dump files in `dir`: { total, main } Ir
 * (all threads, the main thread). The files are removed once read.
 */
export async function dumpInstructions(pid, dir) {
  await control(pid, '-d');
  let total = 0; let main = 0; let files = 0;
  for (const f of readdirSync(dir)) {
    const m = new RegExp(`^cg\\.${pid}\\.\\d+-(\\d+)$`).exec(f);
    if (!m) continue;
    const path = join(dir, f);
    const t = /^totals:\s+(\d+)/m.exec(readFileSync(path, 'utf8'));
    rmSync(path, { force: true });
    if (!t) throw new Error(`callgrind dump ${f} has no totals: line`);
    total += Number(t[1]);
    if (Number(m[1]) === 1) main += Number(t[1]);
    files += 1;
  }
  if (!files) throw new Error(`callgrind_control -d ${pid} wrote no dump in ${dir}`);
  return { total, main };
}

/** `n` GET / in sequence on one keep-alive connection to `url`: { ok, failed, ms }. */
export async function sequentialRequests(url, n) {
  const client = new Client(url, { pipelining: 1 });
  let ok = 0; let failed = 0;
  const t0 = performance.now();
  try {
    for (let i = 0; i < n; i++) {
      try {
        const res = await request(url, { dispatcher: client });
        await res.body.dump();
        if (res.statusCode === 200) ok += 1; else failed += 1;
      } catch { failed += 1; }
    }
  } finally { await client.close(); }
  return { ok, failed, ms: performance.now() - t0 };
}

/** One measured window of `pid`: zero, `n` requests, dump. { total, main, requests, failed, ms } */
export async function instructionWindow({ pid, dir, url }, n) {
  await control(pid, '-z');
  const r = await sequentialRequests(url, n);
  const d = await dumpInstructions(pid, dir);
  return { ...d, requests: r.ok, failed: r.failed, ms: Math.round(r.ms) };
}
