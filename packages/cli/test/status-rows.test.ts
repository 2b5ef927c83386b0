import { expect, it } from 'vitest';
import { stateLabel, tableOrder } from '../src/status-command.js';

it('after a promotion the serving worker comes first and the standby is labelled as one', () => {
  // GET /status after a crash promoted the standby: the new standby (started 500 ms later) sorts before it by slot.
  const workers = [
    { pid: 30, state: 'ready', standby: true, idlePriority: true },
    { pid: 20, state: 'ready' },
    { pid: 40, state: 'starting', idlePriority: true },
    { pid: 10, state: 'draining' },
    { pid: 21, state: 'ready' },
  ];
  expect(tableOrder(workers).map((w) => w.pid)).toEqual([20, 21, 40, 30, 10]);
  expect(workers.map(stateLabel)).toEqual(['ready (standby, idle CPU)', 'ready', 'starting (idle CPU)', 'draining', 'ready']);
});
