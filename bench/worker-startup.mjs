// What the register hook costs a worker's start-up, as the user sees it: process start -> the app's first line
// (performance.now() there, which counts from the process's start), for N workers started under `holdfast run`
// (generation 1, then reloads through the control API; the holder preloads the hook into each) against N bare
// `node app` starts of the same app, alternating. The app is a temp file written here: its first line records the
// time (and the process's CPU time so far, which other load on the machine disturbs less), then it loads node:http
// and listens (under the holder, on the held socket).
//   node bench/worker-startup.mjs [--runs N] [--json]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sleep, until, withTimeout } from './lib/proc.mjs';
import { fmt, spread } from './lib/stats.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opt } = parseArgs({ options: { runs: { type: 'string' }, json: { type: 'boolean' } } });
const runs = Number(opt.runs ?? 9);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs ${opt.runs}: expected a whole number >= 1`);

const MARK = 'worker-startup';
const APP = `const atApp = performance.now();
const cpu = process.cpuUsage();
console.log(JSON.stringify({ ${JSON.stringify(MARK)}: +atApp.toFixed(2), cpuMs: +((cpu.user + cpu.system) / 1000).toFixed(2), pid: process.pid }));
const { createServer } = await import('node:http');
createServer((_req, res) => res.end('ok')).listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
`;

const dir = mkdtempSync(join(tmpdir(), 'hf-worker-startup-'));
const app = join(dir, 'app.mjs');
const ctl = join(dir, 'control.sock');
writeFileSync(app, APP);

/** Lines of `stream` that carry the app's mark, as { atMs, pid }, pushed into `into`. */
function collect(stream, into) {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (c) => {
    buf += c;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!line.includes(MARK)) continue;
      const m = JSON.parse(line.slice(line.indexOf('{')));
      into.push({ atMs: m[MARK], cpuMs: m.cpuMs, pid: m.pid });
    }
  });
}

function control(method, path) {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: ctl, method, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function bareStart() {
  const lines = [];
  const child = spawn(process.execPath, [app], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, PORT: '0' } });
  collect(child.stdout, lines);
  try {
    await until(() => lines.length > 0, { what: 'the bare app\'s first line' });
    return lines[0];
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
}

const holderLines = [];
const holder = spawn(process.execPath, [join(ROOT, 'packages/cli/bin/holdfast.js'), 'run', '-l', 'http=tcp://127.0.0.1:0', '--control', ctl, '--', process.execPath, app],
  { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOLDFAST_LOG_LEVEL: 'warn', HOLDFAST_LOG_FORMAT: 'json' } });
collect(holder.stdout, holderLines);
let errOut = '';
holder.stderr.on('data', (c) => { errOut += c; });
const underHolder = [];
const bare = [];
try {
  await until(async () => { try { return JSON.parse((await control('GET', '/status')).body).state === 'running'; } catch { return false; } }, { what: 'the holder running' });
  for (let i = 0; i < runs; i++) {
    bare.push(await bareStart());
    await sleep(200);
    if (i > 0) {
      const r = await withTimeout(control('POST', '/reload'), 30_000, 'reload');
      if (r.status !== 200) throw new Error(`reload failed (${r.status}): ${r.body}`);
    }
    await until(() => holderLines.length > i, { what: `worker ${i + 1}'s first line` });
    underHolder.push(holderLines[i]);
    await sleep(200);
  }
} finally {
  holder.kill('SIGTERM');
  await new Promise((r) => holder.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}

const of = (list, key) => spread(list.map((l) => l[key]), 1);
const result = {
  runs, node: process.version,
  underHolderMs: of(underHolder, 'atMs'), bareMs: of(bare, 'atMs'),
  underHolderCpuMs: of(underHolder, 'cpuMs'), bareCpuMs: of(bare, 'cpuMs'),
};
result.hookMs = +(result.underHolderMs.median - result.bareMs.median).toFixed(1);
result.hookCpuMs = +(result.underHolderCpuMs.median - result.bareCpuMs.median).toFixed(1);
if (opt.json) console.log(JSON.stringify(result));
else {
  console.log(`process start -> app's first line, ${runs} starts each (median (min-max)):`);
  console.log(`  under holdfast run (register hook preloaded): ${fmt(result.underHolderMs, ' ms', 1)}`);
  console.log(`  bare node:                                    ${fmt(result.bareMs, ' ms', 1)}`);
  console.log(`  the hook's cost (difference of the medians):  ${result.hookMs} ms`);
  console.log(`CPU time (user+sys) of the process by its first line, less sensitive to other load on the machine:`);
  console.log(`  under holdfast run: ${fmt(result.underHolderCpuMs, ' ms', 1)}; bare: ${fmt(result.bareCpuMs, ' ms', 1)}; difference ${result.hookCpuMs} ms`);
}
if (/"level":(50|60)/.test(errOut)) console.error(errOut.split('\n').filter((l) => /"level":(50|60)/.test(l)).slice(0, 5).join('\n'));
