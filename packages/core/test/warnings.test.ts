// A coded warning is one pino line at level warn: the code as the field `code`, the caller's fields and message kept.
import { Writable } from 'node:stream';
import pino from 'pino';
import { expect, it } from 'vitest';
import { CORE_WARNINGS, logWarning } from '../src/warnings.js';

function capture(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const dest = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } });
  return { log: pino({ base: null, timestamp: false }, dest), lines };
}

it('logs the code, the fields and the message as given; the registry message when none is', async () => {
  const { log, lines } = capture();
  logWarning(log, 'WARN_HOLDFAST_RESTARTING', { delayMs: 100, failures: 2 }, 'restarting in 100 ms');
  logWarning(log, 'WARN_HOLDFAST_NO_SUBREAPER');
  await new Promise((r) => setImmediate(r));
  expect(lines).toEqual([
    { level: 40, code: 'WARN_HOLDFAST_RESTARTING', delayMs: 100, failures: 2, msg: 'restarting in 100 ms' },
    { level: 40, code: 'WARN_HOLDFAST_NO_SUBREAPER', msg: CORE_WARNINGS.WARN_HOLDFAST_NO_SUBREAPER.message },
  ]);
});
