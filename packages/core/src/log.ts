import pino, { type DestinationStream, type Logger } from 'pino';
import { HOLDFAST_ENV } from '@holdfast/native/protocol';
import { holderOutputs, sinkDestination } from './output-sink.js';

/**
 * The holder's logger: pino JSON lines on stderr (stdout belongs to the workers), level from `level`
 * (default `info`, or `$HOLDFAST_LOG_LEVEL`). JSON lines carry the level as a name (`"level":"info"`) and the time
 * as ISO 8601 (`"time":"2026-01-01T12:00:00.000Z"`), what log pipelines expect. They go through the holder's
 * stderr sink (output-sink.ts): a broken or full stderr drops and counts log lines instead of blocking or
 * killing the holder. Pass `destination` for a pretty stream on a TTY (numeric levels, which pino-pretty reads).
 */
export function createLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  const level = opts.level ?? process.env[HOLDFAST_ENV.LOG_LEVEL] ?? 'info';
  if (opts.destination) return pino({ name: 'holdfast', level, base: null }, opts.destination);
  return pino({
    name: 'holdfast', level, base: null,
    formatters: { level: (label) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
  }, sinkDestination(holderOutputs().stderr));
}
export type { Logger } from 'pino';
