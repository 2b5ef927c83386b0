// The adapter's tests start workers with the shared helper (test/helpers/worker.ts): sockets opened once by this
// process at fds 3.., LISTEN_PID set to the worker's own pid by an exec step, READY=1 awaited on a Notifier.
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { killAll, startWorker as start, type StartOptions, type TestWorker } from '../../../test/helpers/worker.js';

export { jsonOf, Notifier, sleep, until, type TestWorker as Worker } from '../../../test/helpers/worker.js';

export const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

afterAll(killAll);

/** startWorker of the shared helper; `captureStdout` pipes stdout (stderr stays the test's). */
export function startWorker(script: string, opts: Omit<StartOptions, 'pipe'> & { captureStdout?: boolean } = {}): TestWorker {
  const { captureStdout, ...rest } = opts;
  return start(script, { ...rest, pipe: { stdout: captureStdout === true } });
}
