// Worker output goes through the holder: a closed reader of the holder's output never kills a worker (lines are
// dropped and counted), `holdfast logs` shows both generations across a reload with their tags, and a pino JSON
// line stays one valid JSON line.
import { spawn } from 'node:child_process';
import { afterEach, expect, it } from 'vitest';
import { callControl } from '@holdfast/cli';
import { fixture, HOLDFAST_BIN, HolderProcess, runCli, sleep, until } from './helpers/holdfast.js';
import { startLoad } from './helpers/load.js';

interface OutputCounts { lines: number; dropped: number; broken: string | null }
interface Status { generation: number; restarts: number; workers: { pid: number; generation: number }[]; output: { mode: string; stdout: OutputCounts; stderr: OutputCounts } }

let holder: HolderProcess | undefined;
afterEach(async () => { await holder?.stop(); holder = undefined; });

const app = [process.execPath, fixture('logs-every-request.mjs')];
const get = async (port: number) => (await fetch(`http://127.0.0.1:${port}/`)).json() as Promise<{ pid: number; generation: number }>;

it('the reader of the holder output goes away under load: no worker crashes, no request fails, reloads succeed, drops are counted', async () => {
  holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--', ...app]);
  await holder.waitReady(1);
  const { port } = await holder.address('http');
  // journald restarted, a `| tee` that ended: nobody reads the holder's stdout and stderr any more.
  holder.proc.stdout!.destroy();
  holder.proc.stderr!.destroy();
  const load = startLoad(`http://127.0.0.1:${port}`, { connections: 10, mode: 'keep-alive' });
  await sleep(800);
  const reloads = [await runCli(['reload', '--control', holder.control]), await runCli(['reload', '--control', holder.control])];
  await sleep(300);
  const report = await load.stop();

  expect(reloads.map((r) => r.code), reloads.map((r) => r.out).join('\n')).toEqual([0, 0]);
  expect(report.errors).toEqual({});
  expect(report.non2xx).toBe(0);
  expect(report.ok).toBeGreaterThan(50);
  const s = (await callControl<Status>(holder.control, 'GET', '/status')).body;
  expect(s.generation).toBe(3);
  expect(s.restarts).toBe(0);
  expect(s.output.stdout.broken).toBe('EPIPE');
  // After the close each request makes two pino lines on stdout and one line on stderr; the few written before
  // the holder saw EPIPE count as written.
  expect(s.output.stdout.dropped).toBeGreaterThan(report.ok);
  expect(s.output.stderr.dropped).toBeGreaterThan(report.ok / 2);
  const metrics = (await callControl<string>(holder.control, 'GET', '/metrics')).body;
  expect(metrics).toMatch(/^holdfast_crashes_total 0$/m);
  expect(Number(/^holdfast_output_dropped_lines_total\{stream="stdout"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(s.output.stdout.dropped);
  expect(holder.proc.exitCode).toBeNull();
  holder.proc.kill('SIGTERM');
  expect(await holder.exited).toEqual({ code: 0, signal: null });
});

it('holdfast logs shows the lines of both generations across a reload, tagged; a tagged pino line stays valid JSON', async () => {
  holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--output-tag', 'prefix', '--', ...app]);
  await holder.waitReady(1);
  const { port } = await holder.address('http');
  const g1 = await get(port);
  expect((await holder.reloadCli()).code).toBe(0);
  const g2 = await get(port);
  expect([g1.generation, g2.generation]).toEqual([1, 2]);

  const all = await runCli(['logs', '--control', holder.control, '-n', '1000']);
  expect(all.code, all.out).toBe(0);
  expect(all.out).toContain(`[g1 ${g1.pid}] hello from generation 1\n`);
  expect(all.out).toContain(`[g2 ${g2.pid}] hello from generation 2\n`);
  expect(all.out).toContain(`[g2 ${g2.pid}] handled request 1 in generation 2\n`);
  const only2 = await runCli(['logs', '--control', holder.control, '--generation', '2']);
  expect(only2.out).toContain(`[g2 ${g2.pid}] hello from generation 2\n`);
  expect(only2.out).not.toContain('[g1 ');

  // The holder's own output: text lines get the prefix, JSON lines a "holdfast" field and stay valid JSON.
  await until('the copied stderr line', () => holder!.output.includes(`[g2 ${g2.pid}] handled request 1`), 5000);
  expect(holder.output).toContain(`[g1 ${g1.pid}] hello from generation 1\n`);
  const pinoLines = holder.output.split('\n').filter((l) => l.includes('"incoming request"'));
  expect(pinoLines.length).toBeGreaterThanOrEqual(2);
  for (const l of pinoLines) {
    const o = JSON.parse(l) as { pid: number; holdfast: { generation: number; pid: number } };
    expect(o.holdfast).toEqual({ generation: o.pid === g1.pid ? 1 : 2, pid: o.pid });
  }
});

it('untagged (not a TTY): a pino JSON line passes through exactly as written; logs -f follows new lines', async () => {
  holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--', ...app]);
  await holder.waitReady(1);
  const { port } = await holder.address('http');
  const follow = spawn(process.execPath, [HOLDFAST_BIN, 'logs', '-f', '-n', '0', '--control', holder.control], { stdio: ['ignore', 'pipe', 'pipe'] });
  let followed = '';
  follow.stdout.on('data', (d) => { followed += d; });
  // logs -f may connect after any request: ask until a line it was not shown at start arrives.
  let w = await get(port);
  await until('logs -f to show a new line', async () => { w = await get(port); return new RegExp(`\\[g1 ${w.pid}\\] handled request \\d+ in generation 1`).test(followed); }, 10_000);
  follow.kill('SIGTERM');
  await until('the pino line', () => holder!.output.includes('"request completed"'), 5000);
  const pinoLines = holder.output.split('\n').filter((l) => l.includes('"incoming request"') || l.includes('"request completed"'));
  expect(pinoLines.length).toBeGreaterThanOrEqual(2);
  for (const l of pinoLines) expect(Object.keys(JSON.parse(l))).toEqual(expect.arrayContaining(['level', 'time', 'pid', 'hostname', 'reqId', 'msg']));
  expect(holder.output).not.toContain('"holdfast"');
  expect(holder.output).toContain('\nhello from generation 1\n');
});
