// What the register hook loads (every worker a holder starts preloads it, so its load is on every start-up's critical
// path): the bundle (scripts/bundle.mjs), nothing but its environment check without a holder, none of the optional
// built-ins an app does not use, and one instance of the adapter's state shared with an app that imports the adapter.
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, HolderProcess, ROOT, until } from './helpers/holdfast.js';

interface Report { atStart: string[]; afterImport: string[]; ready: boolean; adapter: string }

let holder: HolderProcess | undefined;
afterEach(async () => { await holder?.stop(); holder = undefined; });

const report = (output: string): Report | undefined => {
  const line = output.split('\n').find((l) => l.includes('"report":"modules"'));
  return line ? (JSON.parse(line.slice(line.indexOf('{'))) as Report) : undefined;
};

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.once('exit', (code) => resolve({ code, out, err }));
  });
}

describe('the register hook under a holder', () => {
  it.each([
    ['preloaded by the holder (--import)', [] as string[], [] as string[]],
    ['given with --require by the command itself', ['--no-preload'], ['--require', '@holdfast/http-adapter/register']],
  ])('%s: installed before the app listens, shares the adapter state with the app, loads no https/tls/http2/cluster', async (_label, holderArgs, nodeArgs) => {
    holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', ...holderArgs, '--', process.execPath, ...nodeArgs, fixture('reports-modules.mjs')],
      { env: { PORT: '3000', REPORT_WAIT_READY: '1' } });
    await holder.waitReady(); // only the hook's claim of the held socket makes generation 1 ready
    await until('the report line', () => report(holder!.output), 5000);
    const r = report(holder.output)!;
    expect(r.ready).toBe(true); // the hook's READY=1, seen through the app's own import of the adapter
    expect(r.adapter).toMatch(/\/http-adapter\/dist\/bundle\/index\.js$/);
    // dgram: the hook wraps dgram.Socket#bind when the holder passed sockets.
    for (const list of [r.atStart, r.afterImport]) expect(list.filter((m) => m !== 'dgram')).toEqual([]);
    expect(holder.output).not.toMatch(/EADDRINUSE|holds no socket/);
  });
});

describe('the register hook without a holder', () => {
  it('loads only its environment check: no hook-install, no @holdfast/native addon, no optional built-in', async () => {
    const env = { LISTEN_FDS: '', LISTEN_PID: '', NOTIFY_SOCKET: '', REPORT_EXIT: '1', PORT: '0' };
    const r = await run(['--import', fixture('trace-imports.mjs'), '--import', '@holdfast/http-adapter/register', fixture('reports-modules.mjs')], env);
    expect(r.code, r.err).toBe(0);
    const imports = r.err.split('\n').filter((l) => l.startsWith('IMPORT ')).map((l) => l.slice(7));
    expect(imports.some((u) => u.endsWith('/http-adapter/dist/bundle/register.js'))).toBe(true);
    // register.js, its small shared chunk with hook-env, and native's protocol module: before the app's own import.
    const beforeApp = imports.slice(0, imports.findIndex((u) => u.endsWith('reports-modules.mjs')));
    expect(beforeApp.filter((u) => /hook-install|\/native\/dist\/bundle\/index\.js/.test(u))).toEqual([]);
    expect(beforeApp.filter((u) => /\/(http-adapter|native)\/dist\//.test(u)).length).toBeLessThanOrEqual(5);
    const rep = report(r.out)!;
    expect(rep.atStart).toEqual([]);
    expect(rep.afterImport).toEqual([]);
    expect(rep.ready).toBe(false);
  });
});
