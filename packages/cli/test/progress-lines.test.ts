import { expect, it } from 'vitest';
import { CutTally } from '../src/progress-lines.js';
import { cutAtKill } from '../../core/src/worker-pool.js';

const cut = (pid: number, connectionsCut: number | null) => ({ event: 'cut', pid, generation: 1, drainMs: 2000, killedAtDeadline: true, connectionsCut, requestsCut: null });

it('the summary counts the cut connections once, and says when a count is unknown instead of calling it 0', () => {
  const known = new CutTally();
  known.add(cut(10, 3));
  known.add({ ...cut(11, 9), event: 'drained' });
  expect(known.describe()).toBe('3 connections cut at the drain deadline (pid 10)');
  const unknown = new CutTally();
  unknown.add(cut(12, null));
  expect(unknown.describe()).toBe('connections cut at the drain deadline, how many is unknown (pid 12)');
  unknown.add(cut(13, 2));
  expect(unknown.describe()).toBe('at least 2 connections cut at the drain deadline, how many is unknown (pid 12, 13)');
});

it('a worker killed at the deadline just after its own deadline cut and reported connections counts those too', () => {
  expect(cutAtKill(0, 1)).toBe(1); // an SSE stream the worker cut itself, then the holder's SIGKILL found nothing open
  expect(cutAtKill(2, undefined)).toBe(2);
  expect(cutAtKill(null, 1)).toBe(1);
  expect(cutAtKill(null, undefined)).toBeNull();
});
