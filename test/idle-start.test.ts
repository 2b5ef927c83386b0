// --idle-start with real processes: a reload's worker starts with every thread at SCHED_IDLE (sched(7)), beside
// the serving one, in the holder's session and in a process group of its own; at READY=1 every thread is back at
// SCHED_OTHER. A holder that cannot move a worker back (no CAP_SYS_NICE, RLIMIT_NICE 0) says so and starts every
// worker at normal priority.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { callControl } from '@holdfast/cli';
import { spawn } from 'node:child_process';
import { fixture, HOLDFAST_BIN, HolderProcess, procStatFields, sleep, until, withMarker } from './helpers/holdfast.js';

let holder: HolderProcess | undefined;
afterEach(async () => { await holder?.stop(); holder = undefined; });

const SCHED_OTHER = 0;
const SCHED_IDLE = 5;

const policies = (pid: number) => readdirSync(`/proc/${pid}/task`).map((tid) => Number(procStatFields(`${pid}/task/${tid}`)![38]));
const groupAndSession = (pid: number) => { const f = procStatFields(pid)!; return { pgrp: Number(f[2]), session: Number(f[3]) }; };

function worker(h: HolderProcess, generation: number, state: string): Promise<{ pid: number; idlePriority?: true }> {
  return until(`a ${state} worker of generation ${generation}`,
    async () => (await h.status()).workers.find((x) => x.generation === generation && x.state === state) as { pid: number; idlePriority?: true } | undefined, 10_000);
}

// Both need root: the first a holder that can leave SCHED_IDLE (CAP_SYS_NICE), the second setpriv's --bounding-set.
const root = process.getuid?.() === 0;

it.skipIf(!root)('a reload\'s worker starts with every thread at SCHED_IDLE and is moved back to SCHED_OTHER at READY=1', async () => {
  const gate = join(tmpdir(), `holdfast-gate-${process.pid}-${Date.now()}`);
  const marker = `helper-${process.pid}-${Date.now()}`;
  holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--', process.execPath, fixture('gated-start.mjs')], { env: { GATE_FILE: gate, HELPER_MARKER: marker } });
  await holder.waitReady(1);
  const first = await worker(holder, 1, 'ready');
  expect(policies(first.pid).every((p) => p === SCHED_OTHER)).toBe(true); // nothing served: a normal start
  const reload = callControl<{ ok: boolean; generation: number }>(holder.control, 'POST', '/reload');
  const starting = await worker(holder, 2, 'starting');
  expect(starting.idlePriority).toBe(true);
  await sleep(300); // node's own threads are up
  const idle = policies(starting.pid);
  expect(idle.length).toBeGreaterThan(1);
  expect(idle.every((p) => p === SCHED_IDLE)).toBe(true);
  // Its own process group, in the holder's session (one autogroup with the serving worker).
  expect(groupAndSession(starting.pid)).toEqual({ pgrp: starting.pid, session: groupAndSession(holder.proc.pid!).session });
  writeFileSync(gate, '');
  expect((await reload).body).toMatchObject({ ok: true, generation: 2 });
  const now = policies(starting.pid);
  expect(now.every((p) => p === SCHED_OTHER)).toBe(true);
  // The helper it started the shell way: adopted by the holder, still in the worker's process group, moved back too.
  const [helper] = withMarker(marker);
  expect(helper).toBeDefined();
  expect(groupAndSession(helper).pgrp).toBe(starting.pid);
  expect(policies(helper).every((p) => p === SCHED_OTHER)).toBe(true);
  expect((await worker(holder, 2, 'ready')).idlePriority).toBeUndefined();
  rmSync(gate);
}, 60_000);

it.skipIf(!root)('a holder without CAP_SYS_NICE (and RLIMIT_NICE 0) warns for --idle-start and starts every worker at normal priority', async () => {
  // Root without CAP_SYS_NICE in its bounding set: what a container without SYS_NICE gets.
  holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--idle-start', '5s', '--', process.execPath, fixture('ok-app.mjs')],
    { wrap: ['setpriv', '--bounding-set', '-sys_nice', '--inh-caps', '-sys_nice', '--'] });
  await holder.waitReady(1);
  expect(holder.output).toMatch(/"code":"WARN_HOLDFAST_IDLE_START_UNAVAILABLE".*"refusal":"EPERM"/);
  const reload = await callControl<{ ok: boolean }>(holder.control, 'POST', '/reload');
  expect(reload.body.ok).toBe(true);
  const w = await worker(holder, 2, 'ready');
  expect(policies(w.pid).every((p) => p === SCHED_OTHER)).toBe(true);
}, 60_000);

it('a worker in a terminal with `stty tostop` writes to it (--output inherit) and serves: it has no controlling terminal', async () => {
  // Workers share the holder's session (one autogroup) in process groups of their own: without dropping the terminal
  // they would be background jobs of it, stopped by SIGTTOU at their first write.
  const control = join(tmpdir(), `holdfast-tty-${process.pid}.sock`);
  const cmd = `stty tostop; exec ${process.execPath} ${HOLDFAST_BIN} run --control ${control} -l http=tcp://127.0.0.1:0 --output inherit --drain-timeout 2s -- ${process.execPath} ${fixture('logs-every-request.mjs')}`;
  const tty = spawn('script', ['-qec', `sh -c '${cmd}'`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  tty.stdout!.on('data', (d) => { out += d; });
  try {
    let port = 0;
    for (let i = 0; i < 200 && !port; i++) {
      const st = await callControl<{ sockets: { bound: string }[] }>(control, 'GET', '/status').catch(() => null);
      port = Number(/:(\d+)$/.exec(st?.body.sockets[0]?.bound ?? '')?.[1] ?? 0);
      if (!port) await sleep(50);
    }
    let answer = '';
    for (let i = 0; i < 20 && !answer; i++) {
      answer = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) }).then((r) => r.text(), () => '');
      if (!answer) await sleep(50);
    }
    expect(answer, out).not.toBe('');
    const pid = (await callControl<{ workers: { pid: number }[] }>(control, 'GET', '/status')).body.workers[0].pid;
    const f = procStatFields(pid)!;
    expect(f[0]).not.toBe('T'); // not stopped
    expect(Number(f[4])).toBe(0); // tty_nr: no controlling terminal
  } finally {
    // The holder by its pid: a worker stopped by SIGTTOU (the fault this test is for) would hold up a drain.
    const holderPid = (await callControl<{ holderPid: number }>(control, 'GET', '/status').catch(() => null))?.body.holderPid;
    if (holderPid) { process.kill(holderPid, 'SIGINT'); process.kill(holderPid, 'SIGINT'); }
    await new Promise((r) => { tty.once('exit', r); setTimeout(() => { tty.kill('SIGKILL'); r(null); }, 10_000); });
  }
}, 60_000);
