// `status`, `reload` and `stop` start fast because they load no holder code: commander, node:http and the light
// @holdfast/core/client only. Counted here as modules (time is measured by `pnpm bench`, section cli).
import { spawn } from 'node:child_process';
import { afterAll, expect, it } from 'vitest';
import { fixture, HOLDFAST_BIN, HolderProcess, ROOT } from './helpers/holdfast.js';

const HEAVY = /\/(fastify|pino|pino-pretty|prom-client|undici|chokidar|cli-table3)\/|\/native\/dist\/(bundle\/)?(index|binding)\.js|\.node$|\/core\/dist\/index\.js/;
const holders: HolderProcess[] = [];
afterAll(async () => { for (const h of holders) await h.stop(); });

function traced(args: string[]): Promise<{ code: number | null; imports: string[]; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', fixture('trace-imports.mjs'), HOLDFAST_BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.once('exit', (code) => resolve({ code, out: out + err, imports: err.split('\n').filter((l) => l.startsWith('IMPORT ')).map((l) => l.slice(7)) }));
  });
}

it('status, status --json, reload and stop load 0 of fastify, pino, prom-client, undici, chokidar, cli-table3, the addon, core', async () => {
  const h = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--', 'node', fixture('ok-app.mjs')]);
  holders.push(h);
  await h.waitReady();
  for (const cmd of [['status'], ['status', '--json'], ['reload'], ['stop']]) {
    const r = await traced([...cmd, '--control', h.control]);
    expect(r.code, r.out).toBe(0);
    expect(r.imports.length).toBeGreaterThan(5); // the hook saw the CLI's own modules
    expect(r.imports.filter((u) => HEAVY.test(u)), cmd.join(' ')).toEqual([]);
  }
});
