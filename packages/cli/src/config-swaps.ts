import { HOLDFAST_ENV, HoldfastError } from '@holdfast/core';
import { DURATION_FORMATS, parseDuration } from '@holdfast/core/client';

/**
 * The settings that make swaps invisible (docs/adapters.md, docs/faults.md): warm standbys (`--standby N`), the
 * idle-priority start of a new generation (`--idle-start`) and warm-up before READY=1 (`--warmup`, `--warmup-count`, handed to workers as HOLDFAST_WARMUP and
 * HOLDFAST_WARMUP_COUNT). Flags, config keys and their merge, kept apart from config.ts's core settings.
 */
export interface SwapsConfig {
  /** Warm standbys; undefined: core's default (0). */
  standby: number | undefined;
  /** Longest idle-priority start, ms (0: off); undefined: core's default (5 s; `holdfast dev`: 0). */
  idleStartMs: number | undefined;
  /** Warm-up requests, `PATH` or `METHOD PATH`, comma-separated; undefined: none. */
  warmup: string | undefined;
  /** Runs of each warm-up request; undefined: the adapter's default. */
  warmupCount: number | undefined;
}

/** The flags as commander hands them over. */
export interface SwapsFlags {
  standby?: string;
  idleStart?: string;
  warmup?: string;
  warmupCount?: string;
}

/** Config file keys and what each expects (also the error text). */
export const SWAPS_KEYS = {
  standby: 'a whole number of warm standby workers, 0 to 64',
  idleStart: `a duration like ${DURATION_FORMATS}, or 0 for normal CPU priority from the start`,
  warmup: 'warm-up requests like "/,GET /health" (PATH or METHOD PATH, comma-separated)',
  warmupCount: 'a whole number of runs of each warm-up request, 1 to 100000',
} as const;

const WARMUP_ITEM = /^(?:[A-Z]+\s+)?\/\S*$/;

function count(value: unknown, what: string, min: number, max: number, expected: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `${what} must be ${expected}; got ${JSON.stringify(value)}`);
  }
  return n;
}

function warmupList(value: unknown, what: string): string {
  const items = typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : [];
  if (items.length === 0 || !items.every((i) => WARMUP_ITEM.test(i))) {
    throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `${what} must be ${SWAPS_KEYS.warmup}; got ${JSON.stringify(value)}`);
  }
  return items.join(',');
}

/**
 * Validate one config file key of {@link SWAPS_KEYS} into `out`.
 * @throws whatever `bad(expected)` makes (config-values.ts: ERR_HOLDFAST_INVALID_OPTION naming the file, key and value).
 */
export function validateSwapsKey(key: keyof typeof SWAPS_KEYS, value: unknown, out: Partial<SwapsConfig>, bad: (expected: string) => Error): void {
  try {
    if (key === 'standby') out.standby = count(value, key, 0, 64, SWAPS_KEYS.standby);
    else if (key === 'idleStart') out.idleStartMs = parseDuration(value as string, key);
    else if (key === 'warmupCount') out.warmupCount = count(value, key, 1, 100_000, SWAPS_KEYS.warmupCount);
    else out.warmup = warmupList(value, key);
  } catch {
    throw bad(SWAPS_KEYS[key]);
  }
}

/**
 * Merge flags over the config file's values.
 * @throws HoldfastError ERR_HOLDFAST_INVALID_OPTION naming the flag, the value and what is expected; also for a
 *   warm-up count without warm-up requests, which would do nothing.
 */
export function resolveSwaps(flags: SwapsFlags, f: Partial<SwapsConfig>): SwapsConfig {
  const out = {
    standby: flags.standby !== undefined ? count(flags.standby, '--standby', 0, 64, SWAPS_KEYS.standby) : f.standby,
    idleStartMs: flags.idleStart !== undefined ? parseDuration(flags.idleStart, '--idle-start') : f.idleStartMs,
    warmup: flags.warmup !== undefined ? warmupList(flags.warmup, '--warmup') : f.warmup,
    warmupCount: flags.warmupCount !== undefined ? count(flags.warmupCount, '--warmup-count', 1, 100_000, SWAPS_KEYS.warmupCount) : f.warmupCount,
  };
  if (out.warmupCount !== undefined && !out.warmup) {
    const where = flags.warmupCount !== undefined ? '--warmup-count' : 'the config file\'s "warmupCount"';
    throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `${where} is ${out.warmupCount} but no warm-up requests are given, so it would do nothing; add --warmup PATH[,METHOD PATH]... (or "warmup" in the config file), or drop it`);
  }
  return out;
}

/** The workers' environment for the warm-up settings (merged under the config file's `env`). */
export function warmupEnv(c: SwapsConfig): Record<string, string> {
  return {
    ...(c.warmup ? { [HOLDFAST_ENV.WARMUP]: c.warmup } : {}),
    ...(c.warmup && c.warmupCount !== undefined ? { [HOLDFAST_ENV.WARMUP_COUNT]: String(c.warmupCount) } : {}),
  };
}
