import { expect, it } from 'vitest';
import { implausibleDurations, PLAUSIBLE_MIN_MS } from '../src/duration-warnings.js';

it('warns for a set duration above 0 and below its plausible minimum, naming the flag, the value and how to write seconds', () => {
  expect(implausibleDurations({ readyTimeoutMs: 30 })).toEqual([
    '--ready-timeout is 30 ms: no worker can send READY=1 that fast, so every start fails and is retried; a duration without a unit is milliseconds: write 30s for seconds',
  ]);
  expect(implausibleDurations({ watchdogMs: 1, drainTimeoutMs: 99, shutdownDelayMs: 5 }).map((w) => w.split(':')[0]))
    .toEqual(['--watchdog is 1 ms', '--drain-timeout is 99 ms', '--shutdown-delay is 5 ms']);
});

it('is silent for unset, 0 (off or at once) and plausible values', () => {
  expect(implausibleDurations({})).toEqual([]);
  expect(implausibleDurations({ watchdogMs: 0, drainTimeoutMs: 0, shutdownDelayMs: 0 })).toEqual([]);
  expect(implausibleDurations({ readyTimeoutMs: PLAUSIBLE_MIN_MS.readyTimeoutMs, watchdogMs: 30_000, drainTimeoutMs: 10_000 })).toEqual([]);
});
