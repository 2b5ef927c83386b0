import { constants } from 'node:os';
import { HoldfastError } from './errors.js';

/** The signal that asks a worker to drain when none is configured (systemd's KillSignal= default). */
export const DEFAULT_KILL_SIGNAL: NodeJS.Signals = 'SIGTERM';

// SIGKILL and SIGSTOP cannot be caught, so no worker could drain on them; SIGCHLD, SIGCONT, SIGWINCH and SIGURG are
// ignored by default and would never end a worker that has no handler.
const REFUSED = new Set(['SIGKILL', 'SIGSTOP', 'SIGCHLD', 'SIGCONT', 'SIGWINCH', 'SIGURG']);

/**
 * Parse `--kill-signal`: a signal name, with or without the SIG prefix, any case (`SIGINT`, `int`, `SIGQUIT`).
 * @returns the canonical name, e.g. 'SIGINT'.
 * @throws HoldfastError ERR_HOLDFAST_INVALID_OPTION naming `option`, the value and the accepted names.
 */
export function parseKillSignal(value: string, option = '--kill-signal'): NodeJS.Signals {
  const name = value.trim().toUpperCase();
  const sig = (name.startsWith('SIG') ? name : `SIG${name}`) as NodeJS.Signals;
  if (!(sig in constants.signals) || REFUSED.has(sig)) {
    throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION',
      `${option} must be a signal a worker can catch, e.g. SIGTERM (default), SIGINT, SIGQUIT, SIGUSR2; got ${JSON.stringify(value)}`);
  }
  return sig;
}
