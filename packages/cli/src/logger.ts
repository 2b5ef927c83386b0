import { createRequire } from 'node:module';
import { createLogger, HOLDFAST_ENV, holderOutputs, sinkDestination } from '@holdfast/core';
import type { Logger } from '@holdfast/core';
import type PinoPretty from 'pino-pretty';

// pino-pretty (and its dependencies) only load when pretty output is wanted: a holder under systemd or in a
// container logs JSON and never pays for them.
const requirePretty = () => createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;

/**
 * pino JSON lines on stderr, or pino-pretty (one line per event) when stderr is a TTY (override with HOLDFAST_LOG_FORMAT=json|pretty).
 * `level` defaults to $HOLDFAST_LOG_LEVEL, else info.
 */
export function cliLogger(level?: string): Logger {
  const format = process.env[HOLDFAST_ENV.LOG_FORMAT] ?? (process.stderr.isTTY ? 'pretty' : 'json');
  if (format === 'pretty') {
    return createLogger({ level, destination: requirePretty()({ destination: sinkDestination(holderOutputs().stderr), colorize: process.stderr.isTTY, ignore: 'name', translateTime: 'HH:MM:ss.l', singleLine: true }) });
  }
  return createLogger({ level });
}
