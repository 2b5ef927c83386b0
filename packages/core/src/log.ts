import pino, { type DestinationStream, type Logger } from 'pino';
import { HOLDFAST_ENV } from '@holdfast/native/protocol';

/**
 * The holder's logger: pino JSON lines on stderr (stdout belongs to the workers), level from `level`
 * (default `info`, or `$HOLDFAST_LOG_LEVEL`). Pass `destination` for a pretty stream on a TTY.
 */
export function createLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  const level = opts.level ?? process.env[HOLDFAST_ENV.LOG_LEVEL] ?? 'info';
  return pino({ name: 'holdfast', level, base: null }, opts.destination ?? pino.destination(2));
}
export type { Logger } from 'pino';
