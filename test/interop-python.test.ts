// Workers nobody here wrote, from Debian packages, run and reloaded under load by holdfast with 0 failed requests:
// a Python worker using python3-systemd (daemon.listen_fds(), daemon.notify("READY=1")), and gunicorn 20.1 with its
// own systemd socket-activation support (it adopts fd 3 only when LISTEN_PID is the arbiter's pid, which
// holdfast-exec guarantees, and sends READY=1 itself once the arbiter is up).
import http from 'node:http';
import { afterEach, expect, it } from 'vitest';
import { callControl } from '@holdfast/cli';
import { fixture, HolderProcess, sleep } from './helpers/holdfast.js';
import { startLoad, type LoadReport } from './helpers/load.js';

let holder: HolderProcess | undefined;
afterEach(async () => { await holder?.stop(); holder = undefined; });

/** GET / on a fresh connection; the JSON body. */
function get(port: number): Promise<{ pid: number }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let data = '';
      res.setEncoding('utf8').on('data', (d) => { data += d; }).on('end', () => resolve(JSON.parse(data)));
    }).on('error', reject);
  });
}

/** Load on fresh connections for the whole run, `reloads` reloads spaced out, then the report. */
async function reloadUnderLoad(h: HolderProcess, reloads: number): Promise<{ report: LoadReport; pids: Set<number> }> {
  await h.waitReady(1);
  const { port } = await h.address('http');
  const url = `http://127.0.0.1:${port}`;
  const pids = new Set<number>();
  const load = startLoad(url, { connections: 8, mode: 'new-connection' });
  const sampler = (async () => {
    for (let i = 0; i < 4 * (reloads + 1); i++) {
      try { pids.add((await get(port)).pid); } catch { /* failures are counted by the load */ }
      await sleep(250);
    }
  })();
  for (let i = 0; i < reloads; i++) {
    await sleep(700);
    const r = await callControl<{ ok: boolean }>(h.control, 'POST', '/reload');
    expect(r.body.ok, JSON.stringify(r.body) + h.output).toBe(true);
  }
  await sleep(700);
  await sampler;
  const report = await load.stop();
  return { report, pids };
}

it('a python3-systemd worker: 3 reloads under load, 0 failed requests', async () => {
  holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--drain-timeout', '10s', '--', '/usr/bin/python3', fixture('interop-python-worker.py')]);
  const { report, pids } = await reloadUnderLoad(holder, 3);
  console.log(`python3-systemd worker: ${JSON.stringify(report)}`);
  expect((await holder.status()).generation).toBe(4);
  expect(report.requests).toBeGreaterThan(100);
  expect(report.errors).toEqual({});
  expect(report.non2xx).toBe(0);
  expect(report.ok).toBe(report.requests);
  expect(pids.size).toBeGreaterThanOrEqual(2); // served by more than one generation
});

it('gunicorn with its own systemd socket activation: 3 reloads under load, 0 failed requests', async () => {
  holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--drain-timeout', '15s', '--',
    '/usr/bin/gunicorn', '--workers', '2', '--graceful-timeout', '10', '--chdir', fixture(''), 'interop_gunicorn_app:app']);
  const { report, pids } = await reloadUnderLoad(holder, 3);
  console.log(`gunicorn: ${JSON.stringify(report)}`);
  expect((await holder.status()).generation).toBe(4);
  // gunicorn says "Listening at" the inherited socket, not a socket of its own.
  expect(holder.output).toMatch(/Listening at: http:\/\/127\.0\.0\.1:\d+/);
  expect(holder.output).not.toMatch(/Connection in use|Address already in use/);
  expect(report.requests).toBeGreaterThan(100);
  expect(report.errors).toEqual({});
  expect(report.non2xx).toBe(0);
  expect(report.ok).toBe(report.requests);
  expect(pids.size).toBeGreaterThanOrEqual(2);
});
