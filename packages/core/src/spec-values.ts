/**
 * The values of socket spec options, parsed as systemd.socket(5) writes them (sizes in K/M/G of 1024, booleans,
 * whole seconds, octal modes, user and group names). Each failure is ERR_HOLDFAST_INVALID_SPEC naming the spec,
 * the option and what was expected.
 */
import { HoldfastError } from './errors.js';

/** ERR_HOLDFAST_INVALID_SPEC for `input`: `invalid socket "tcp://x": <expected>`. */
export function invalid(input: string, expected: string): HoldfastError {
  return new HoldfastError('ERR_HOLDFAST_INVALID_SPEC', `invalid socket ${JSON.stringify(input)}: ${expected}`);
}

/**
 * Parse a byte size: `212992`, `64K`, `2M`, `1G` (powers of 1024, as systemd does).
 * @throws HoldfastError ERR_HOLDFAST_INVALID_SPEC naming the option.
 */
export function parseSize(value: string, what: string, input: string): number {
  const m = /^(\d+)([KMG]?)$/i.exec(value.trim());
  const n = m ? Number(m[1]) * { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G'] : NaN;
  if (!m || n < 1 || n > 0x7fffffff) throw invalid(input, `${what} must be a size in bytes like 212992, 64K or 2M (at most 2G-1); got ${JSON.stringify(value)}`);
  return n;
}

export function parseBool(value: string, what: string, input: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw invalid(input, `${what} must be true or false; got ${JSON.stringify(value)}`);
}

export function parseInt10(value: string, what: string, min: number, max: number, input: string): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw invalid(input, `${what} must be an integer ${min}..${max}; got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

export function parseSeconds(value: string, what: string, min: number, input: string): number {
  const m = /^(\d+)(s|m|min|h)?$/.exec(value);
  const n = m ? Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' || m[2] === 'min' ? 60 : 1) : NaN;
  if (!m || n < min || n > 32767) throw invalid(input, `${what} must be whole seconds like 30, 30s or 2m (${min}..32767 s); got ${JSON.stringify(value)}`);
  return n;
}

export function parseMode(value: string, what: string, input: string): number {
  if (!/^0?[0-7]{3,4}$/.test(value)) throw invalid(input, `${what} must be an octal mode like 0660; got ${JSON.stringify(value)}`);
  return parseInt(value, 8);
}

export function parseOwner(value: string, what: string, input: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/.test(value)) throw invalid(input, `${what} must be a ${what} name or a numeric id; got ${JSON.stringify(value)}`);
  return value;
}
