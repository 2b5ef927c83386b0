// A holder that holds no socket, and a worker that binds a port of its own, are warned about at start and in status;
// each log line carries its literal code (CORE_WARNINGS), what operators grep and alert on.
import { afterEach, expect, it } from 'vitest';
import { fixture, HolderProcess, runCli, until } from './helpers/holdfast.js';

const holders: HolderProcess[] = [];
afterEach(async () => { for (const h of holders.splice(0)) await h.stop(); });

interface Warned { warnings: string[]; workers: { pid: number }[] }

it('run with no -l and an app binding its own port: 2 warnings (no socket held, pid N listens itself); with -l and a held fd: 0', async () => {
  const h = new HolderProcess(['--', 'node', fixture('binds-own-port.mjs')]);
  holders.push(h);
  await h.waitReady();
  expect(h.output).toMatch(/"level":"warn",.*"code":"WARN_HOLDFAST_NO_SOCKET",.*"msg":"no socket is held \(no --listen\)/);
  const s = await until('both warnings', async () => { const x = (await h.status()) as unknown as Warned; return x.warnings.length === 2 && x; }, 10_000);
  expect(s.warnings[0]).toMatch(/^no socket is held \(no --listen\): the workers bind their own ports/);
  expect(s.warnings[1]).toMatch(new RegExp(`^worker pid ${s.workers[0].pid} listens on tcp://127\\.0\\.0\\.1:\\d+ itself instead of a held socket`));
  expect(h.output).toMatch(new RegExp(`"level":"warn",.*"code":"WARN_HOLDFAST_OWN_LISTENER","pid":${s.workers[0].pid},.*"msg":"worker pid ${s.workers[0].pid} listens on`));
  const table = await runCli(['status', '--control', h.control]);
  expect(table.out.split('\n').filter((l) => l.startsWith('warning: '))).toHaveLength(2);
  // After a reload the check runs again for the new worker, once the one it replaced has drained.
  expect((await h.reloadCli()).code).toBe(0);
  const r = await until('the new worker warned', async () => {
    const x = (await h.status()) as unknown as Warned;
    return x.workers.length === 1 && x.workers[0]!.pid !== s.workers[0]!.pid && x.warnings.length === 2 && x;
  }, 10_000);
  expect(r.warnings[1]).toMatch(new RegExp(`^worker pid ${r.workers[0]!.pid} listens on tcp://127\\.0\\.0\\.1:\\d+ itself`));

  const ok = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--', 'node', fixture('ok-app.mjs')]);
  holders.push(ok);
  await ok.waitReady();
  await new Promise((r) => setTimeout(r, 300)); // the check runs right after READY=1
  expect(((await ok.status()) as unknown as Warned).warnings).toEqual([]);
});

it('durations short enough to be a unit mistake (--ready-timeout 30, --watchdog 50) are warned about at start and in status', async () => {
  const h = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--ready-timeout', '30', '--watchdog', '50', '--drain-timeout', '5s', '--', 'node', fixture('ok-app.mjs')]);
  holders.push(h);
  await until('the warnings in the log', async () => /--watchdog is 50 ms/.test(h.output), 10_000);
  expect(h.output).toMatch(/"level":"warn",.*"code":"WARN_HOLDFAST_IMPLAUSIBLE_DURATION",.*"msg":"--ready-timeout is 30 ms: no worker can send READY=1 that fast, .*write 30s for seconds"/);
  const s = (await h.status()) as unknown as Warned;
  expect(s.warnings.map((w) => w.split(':')[0])).toEqual(['--ready-timeout is 30 ms', '--watchdog is 50 ms']);
  const table = await runCli(['status', '--control', h.control]);
  expect(table.out).toMatch(/^warning: --ready-timeout is 30 ms/m);
});
