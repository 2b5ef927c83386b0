// A holdfast holder for the measurement scripts: `holdfast run` on a tcp port with one fixture app, reloads through
// the CLI, stopped at the end. Needs `pnpm run build` first.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'packages/cli/bin/holdfast.js');

export async function startHolder(app, env = {}) {
  const control = join(mkdtempSync(join(tmpdir(), 'holdfast-measure-')), 'control.sock');
  const proc = spawn(process.execPath, [BIN, 'run', '--control', control, '-l', 'http=tcp://127.0.0.1:0', '--', process.execPath, join(ROOT, app)],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, HOLDFAST_LOG_FORMAT: 'json', ...env } });
  let log = '';
  proc.stderr.on('data', (d) => { log += d; });
  const cli = (...args) => new Promise((resolve) => execFile(process.execPath, [BIN, ...args, '--control', control], (err, out) => resolve({ code: err?.code ?? 0, out })));
  for (;;) {
    const m = /"bound":"tcp:\/\/127\.0\.0\.1:(\d+)"/.exec(log);
    if (m && /ready in/.test(log)) {
      return { port: Number(m[1]), reload: () => cli('reload'), stop: () => cli('stop'), log: () => log };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
