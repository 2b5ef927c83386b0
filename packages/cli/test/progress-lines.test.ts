import { expect, it } from 'vitest';
import { CutTally, drainLine } from '../src/progress-lines.js';
import { cutAtKill } from '../../core/src/worker-pool.js';

const cut = (pid: number, connectionsCut: number | null) => ({ event: 'cut', pid, generation: 1, drainMs: 2000, killedAtDeadline: true, connectionsCut, requestsCut: null });

it('the summary counts the cut connections once, and says when a count is unknown instead of calling it 0', () => {
  const known = new CutTally();
  known.add(cut(10, 3));
  known.add({ ...cut(11, 9), event: 'drained' });
  expect(known.describe()).toBe('3 connections cut at the drain deadline (pid 10)');
  const unknown = new CutTally();
  unknown.add(cut(12, null));
  expect(unknown.describe()).toBe('an unknown number of connections cut at the drain deadline (pid 12)');
  unknown.add(cut(13, 2));
  expect(unknown.describe()).toBe('at least 2 connections cut at the drain deadline, how many more is unknown (pid 12, 13)');
});

it('one connection seen by both the worker\'s report and the holder\'s /proc count is one connection, never two', () => {
  // The worker's own deadline and the holder's fire at the same moment; each sees the shrinking set at its moment.
  expect(cutAtKill(1, 1)).toBe(1); // both saw the slow request (was 2)
  expect(cutAtKill(0, 1)).toBe(1); // the worker cut it and reported, /proc found nothing left
  expect(cutAtKill(1, undefined)).toBe(1); // the holder's SIGKILL came first: no report
  expect(cutAtKill(5, 2)).toBe(5); // /proc first saw 5; the worker's later cut saw 2 of them (was 7)
  expect(cutAtKill(3, 5)).toBe(5);
  expect(cutAtKill(null, 1)).toBe(1);
  expect(cutAtKill(null, undefined)).toBeNull();
});

it('nothing open at the kill while the worker\'s own drain still ran and never reported: unknown, not 0', () => {
  // Its deadline may have destroyed the connection (so /proc saw none) and the SIGKILL lost its report (was 0).
  expect(cutAtKill(0, undefined, true)).toBeNull();
  // A worker without the adapter's drain (no STOPPING=1): /proc is the only one who can know, and saw none.
  expect(cutAtKill(0, undefined, false)).toBe(0);
  // The adapter reported its drain over (0 cut) long before; the process lingered: known 0.
  expect(cutAtKill(0, 0, true)).toBe(0);
});

it('a worker killed at the deadline with 0 cut is no cut: the line and the note say it outlived its drain', () => {
  const t = new CutTally();
  const lingered = { ...cut(20, 0), drainMs: 3161, drainReportedMs: 4 };
  t.add(lingered);
  expect(t.any).toBe(false);
  expect(drainLine(lingered)).toBe('generation 1: pid 20 finished its drain after 4 ms but did not exit; killed at the drain deadline after 3161 ms; 0 connections cut');
  expect(drainLine({ ...lingered, drainReportedMs: null })).toBe('generation 1: pid 20 had no connection open but did not exit; killed at the drain deadline after 3161 ms; 0 connections cut');
  const note = t.lingerNote('reload')!;
  expect(note).toContain('nothing was cut, but pid 20 finished its drain and did not exit, so it was killed at the drain deadline: the reload waited the whole --drain-timeout (3161 ms)');
  expect(note).toMatch(/SIGTERM handler that does not exit, or a timer/);
  expect(note).toContain('process.exit(0)');
  expect(new CutTally().lingerNote('stop')).toBeNull();
});

it('a draining worker killed by another signal before its drain finished: its own line, cut unknown, the command fails', () => {
  const e = { event: 'cut', pid: 30, generation: 1, slot: 0, drainMs: 80, killedAtDeadline: false, connectionsCut: null, requestsCut: null, exit: { code: null, signal: 'SIGKILL' } } as const;
  expect(drainLine(e)).toBe('generation 1: pid 30 killed by SIGKILL after 80 ms, before its drain finished; connections cut: unknown');
  const t = new CutTally();
  t.add(e);
  expect(t.any).toBe(true);
  expect(t.describe()).toBe('connections cut, how many is unknown (pid 30 killed by SIGKILL before its drain finished)');
});
