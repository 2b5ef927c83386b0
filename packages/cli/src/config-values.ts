import { availableParallelism } from 'node:os';
import { HoldfastError } from '@holdfast/core/client';

export function bad(where: string, key: string, value: unknown, expected: string): HoldfastError {
  return new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `${where}: "${key}" must be ${expected}; got ${JSON.stringify(value)}`,
    { hint: 'docs/config.md lists every key; command-line flags override the file.' });
}

export function unknownKey(where: string, key: string, value: unknown, known: string[]): HoldfastError {
  const close = known.find((k) => k.toLowerCase() === key.toLowerCase() || editDistance(k, key) <= 2);
  return new HoldfastError('ERR_HOLDFAST_INVALID_OPTION',
    `${where}: unknown key "${key}" (value ${JSON.stringify(value)}); expected one of ${known.join(', ')}${close ? ` (did you mean "${close}"?)` : ''}`,
    { hint: 'docs/config.md lists every key.' });
}

export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  return d[a.length][b.length];
}


export const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

export function parseChoice<T extends string>(value: string | undefined, what: string, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `${what} must be one of ${choices.join(', ')}; got ${JSON.stringify(value)}`);
}

/** A whole number in 1..max from a flag or a config value (or `max`, one per CPU, for `--workers`), or undefined when absent. */
export function parseCount(value: string | number | undefined, what: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (value === 'max' && what.endsWith('workers')) return Math.min(availableParallelism(), max);
  const n = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `${what} must be a whole number from 1 to ${max}${what.endsWith('workers') ? ' or max (one per CPU)' : ''}; got ${JSON.stringify(value)}`);
  }
  return n;
}

export function parseStrategy(value: string | undefined, what: string): 'rolling' | 'all-at-once' | undefined {
  return parseChoice(value, what, ['rolling', 'all-at-once'] as const);
}
