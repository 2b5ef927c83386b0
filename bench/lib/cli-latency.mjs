// CLI latency: the time `holdfast status` and `holdfast reload` cost of their own, over `node -e 0`, against a
// running holder. Runs alternate (node -e 0, status, status --json, reload) so that the machine's load hits all
// alike; each figure is the median of per-run differences, with the spread. Wall time and CPU time (user+sys of
// the CLI process, from its rusage) both: wall time is what a deploy script waits, CPU time is what a busy
// machine cannot inflate.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { spread } from './stats.mjs';
import { HOLDFAST_BIN } from './systems.mjs';

const node = process.execPath;

/** One process to completion: wall ms and exit code. */
function timed(args) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const c = spawn(node, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d) => { err += d; });
    c.once('error', reject);
    c.once('exit', (code) => resolve({ code, wallMs: performance.now() - t0, err }));
  });
}

/** CPU ms of all waited-for children so far: cutime + cstime of /proc/self/stat (getrusage RUSAGE_CHILDREN). */
function childrenCpuMs() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * 10; // clock ticks at 100 Hz
}

/** `POST /reload` on the control socket from this process: the swap itself, with no CLI process around it. */
function apiReload(control) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request({ socketPath: control, method: 'POST', path: '/reload', host: 'holdfast' }, (res) => {
      res.resume();
      res.once('end', () => (res.statusCode === 200 ? resolve({ wallMs: performance.now() - t0, cpuMs: 0 }) : reject(new Error(`POST /reload: ${res.statusCode}`))));
    });
    req.once('error', reject);
    req.end();
  });
}

async function measure(args) {
  const before = childrenCpuMs();
  const r = await timed(args);
  if (r.code !== 0) throw new Error(`${args.slice(1).join(' ')} exited ${r.code}: ${r.err.slice(-500)}`);
  return { wallMs: r.wallMs, cpuMs: childrenCpuMs() - before };
}

/**
 * `runs` alternating rounds against the holder on `control`: node -e 0, status, status --json, reload, and a reload
 * through the control API from this process. Returns per command: wall and CPU ms (spread), and the overhead over
 * node -e 0 of the same round (spread); for reload also over the API reload of the same round (the swap itself).
 */
export async function cliLatency(control, runs) {
  const cmds = {
    node: ['-e', '0'],
    status: [HOLDFAST_BIN, 'status', '--control', control],
    statusJson: [HOLDFAST_BIN, 'status', '--json', '--control', control],
    reload: [HOLDFAST_BIN, 'reload', '--control', control],
  };
  const raw = Object.fromEntries([...Object.keys(cmds), 'api'].map((k) => [k, []]));
  for (let i = 0; i < 2; i++) await measure(cmds.status); // warm the page cache
  for (let i = 0; i < runs; i++) {
    for (const k of Object.keys(cmds)) raw[k].push(await measure(cmds[k]));
    raw.api.push(await apiReload(control));
  }
  const over = (k, f) => raw[k].map((x, i) => x[f] - raw.node[i][f]);
  const out = {};
  for (const k of Object.keys(cmds)) {
    out[k] = { wallMs: spread(raw[k].map((x) => x.wallMs), 0), cpuMs: spread(raw[k].map((x) => x.cpuMs), 0) };
    if (k !== 'node') { out[k].overWallMs = spread(over(k, 'wallMs'), 0); out[k].overCpuMs = spread(over(k, 'cpuMs'), 0); }
  }
  out.api = { wallMs: spread(raw.api.map((x) => x.wallMs), 0) };
  // The reload command's own wall time: minus node's start and minus the swap (the API reload of the same round).
  out.reload.overWallMs = spread(raw.reload.map((x, i) => x.wallMs - raw.node[i].wallMs - raw.api[i].wallMs), 0);
  return out;
}
