import { HoldfastError } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The longest duration a timer can wait: 2^31-1 ms (about 24.8 days); Node turns anything longer into 1 ms. */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/** What a duration may look like, word for word in every error and in docs/cli.md. */
export const DURATION_FORMATS = '250ms, 1.5s, 30s, 2m, 1h or a whole number of milliseconds';

/**
 * Parse a duration: `250ms`, `1.5s`, `30s`, `2m`, `1h`, or a whole number of milliseconds (`5000`, or the JSON
 * number 5000). Nothing else: no spaces (`30 s`), no other units (`30d`), no fractional milliseconds.
 * Returns milliseconds: an integer from `minMs` (default 0) to {@link MAX_DURATION_MS}.
 * @throws HoldfastError ERR_HOLDFAST_INVALID_OPTION naming `option`, the value and the accepted formats or range.
 */
export function parseDuration(value: string | number, option: string, minMs = 0): number {
  let ms = NaN;
  if (typeof value === 'number') {
    if (Number.isInteger(value)) ms = value;
  } else {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value) ?? /^(\d+)()$/.exec(value);
    if (m) ms = Math.round(Number(m[1]) * UNITS[m[2] || 'ms']);
  }
  if (Number.isNaN(ms)) {
    throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION',
      `${option} must be a duration like ${DURATION_FORMATS}; got ${JSON.stringify(value)}`);
  }
  if (ms < minMs || ms > MAX_DURATION_MS) {
    throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION',
      `${option} must be from ${minMs} ms to ${MAX_DURATION_MS} ms (about 24.8 days); got ${JSON.stringify(value)}`);
  }
  return ms;
}
