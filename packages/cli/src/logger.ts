import { createLogger, HOLDFAST_ENV } from '@holdfast/core';
import pretty from 'pino-pretty';
import type { Logger } from '@holdfast/core';

/**
 * pino JSON lines on stderr, or pino-pretty (one line per event) when stderr is a TTY (override with HOLDFAST_LOG_FORMAT=json|pretty).
 * `level` defaults to $HOLDFAST_LOG_LEVEL, else info.
 */
export function cliLogger(level?: string): Logger {
  const format = process.env[HOLDFAST_ENV.LOG_FORMAT] ?? (process.stderr.isTTY ? 'pretty' : 'json');
  if (format === 'pretty') {
    return createLogger({ level, destination: pretty({ destination: 2, colorize: process.stderr.isTTY, ignore: 'name', translateTime: 'HH:MM:ss.l', singleLine: true }) });
  }
  return createLogger({ level });
}
