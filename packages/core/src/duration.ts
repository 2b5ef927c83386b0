import { HoldfastError } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parse a duration: `250ms`, `30s`, `2m`, `1h`, `1.5s`, or a bare number of milliseconds (`5000`).
 * Returns milliseconds (an integer >= 0).
 * @throws HoldfastError ERR_HOLDFAST_INVALID_OPTION naming `option` and the value.
 */
export function parseDuration(value: string | number, option: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return Math.round(value);
  } else {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
    if (m) return Math.round(Number(m[1]) * UNITS[m[2] ?? 'ms']);
  }
  throw new HoldfastError(
    'ERR_HOLDFAST_INVALID_OPTION',
    `${option} must be a duration like 250ms, 30s, 2m or a number of milliseconds; got ${JSON.stringify(value)}`,
  );
}
