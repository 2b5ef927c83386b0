import { HoldfastError } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The longest duration a timer can wait: 2^31-1 ms (about 24.8 days); Node turns anything longer into 1 ms. */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/**
 * Parse a duration: `250ms`, `30s`, `2m`, `1h`, `1.5s`, or a bare number of milliseconds (`5000`).
 * Returns milliseconds: an integer from `minMs` (default 0) to {@link MAX_DURATION_MS}.
 * @throws HoldfastError ERR_HOLDFAST_INVALID_OPTION naming `option`, the value and the accepted range.
 */
export function parseDuration(value: string | number, option: string, minMs = 0): number {
  let ms = NaN;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) ms = Math.round(value);
  } else {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
    if (m) ms = Math.round(Number(m[1]) * UNITS[m[2] ?? 'ms']);
  }
  if (Number.isNaN(ms)) {
    throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION',
      `${option} must be a duration like 250ms, 30s, 2m or a number of milliseconds; got ${JSON.stringify(value)}`);
  }
  if (ms < minMs || ms > MAX_DURATION_MS) {
    throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION',
      `${option} must be from ${minMs} ms to ${MAX_DURATION_MS} ms (about 24.8 days); got ${JSON.stringify(value)}`);
  }
  return ms;
}
