import { resolve } from 'node:path';
import {
  parseDuration, parseHealthAddress, parseKillSignal, parseMemorySize, validateEnvVars,
  type HealthAddress, type OnFailed,
} from '@holdfast/core';
import { parseChoice } from './config-values.js';

/**
 * The operations settings of `run` and `dev` (docs/container.md): probes, shutdown delay, what to do when the
 * service fails, env files, memory limit and drain signal. Flags, config keys and their merge, kept apart from
 * config.ts's core settings.
 */
export interface OpsConfig {
  /** `--health`: /livez, /readyz, /metrics on an address of the holder's own; undefined: none. */
  health: HealthAddress | undefined;
  /** `--shutdown-delay` in ms; undefined: core's default (0). */
  shutdownDelayMs: number | undefined;
  /** `--on-failed`; undefined: the command's default (run: exit, dev: stay). */
  onFailed: OnFailed | undefined;
  /** Absolute paths: the config file's `envFile` first, then every `--env-file`. */
  envFiles: string[];
  /** The config file's `env`. */
  env: Record<string, string>;
  /** `--max-memory` in bytes; undefined: no limit. */
  maxMemoryBytes: number | undefined;
  /** `--kill-signal`; undefined: SIGTERM. */
  killSignal: NodeJS.Signals | undefined;
}

/** The flags as commander hands them over. */
export interface OpsFlags {
  health?: string;
  shutdownDelay?: string;
  onFailed?: string;
  envFile?: string[];
  maxMemory?: string;
  killSignal?: string;
}

/** Config file keys and what each expects (also the error text). */
export const OPS_KEYS = {
  health: 'an address like "tcp://0.0.0.0:8081" for /livez, /readyz and /metrics',
  shutdownDelay: 'a duration like 5s: on SIGTERM, not ready but still serving for this long before the drain',
  onFailed: 'one of exit, stay',
  envFile: 'a path or an array of paths to env files (relative to the config file)',
  env: 'an object of KEY: "VALUE" for every generation',
  maxMemory: 'a memory size like 512M or 1G',
  killSignal: 'a signal name like SIGTERM or SIGINT',
} as const;

type OpsKey = keyof typeof OPS_KEYS;

/**
 * Validate one config file key of {@link OPS_KEYS} into `out`.
 * @throws whatever `bad(expected)` makes (config-values.ts: ERR_HOLDFAST_INVALID_OPTION naming the file, key and value).
 */
export function validateOpsKey(key: OpsKey, value: unknown, baseDir: string, out: Partial<OpsConfig>, bad: (expected: string) => Error): void {
  const expected = OPS_KEYS[key];
  const str = typeof value === 'string' && value !== '';
  try {
    switch (key) {
      case 'health': if (!str) throw bad(expected); out.health = parseHealthAddress(value as string); break;
      case 'shutdownDelay':
        if (!str && typeof value !== 'number') throw bad(expected);
        out.shutdownDelayMs = parseDuration(value as string | number, key);
        break;
      case 'onFailed': out.onFailed = parseOnFailed(value, key); break;
      case 'envFile': {
        const list = str ? [value as string] : value;
        if (!Array.isArray(list) || list.length === 0 || !list.every((p) => typeof p === 'string' && p !== '')) throw bad(expected);
        out.envFiles = (list as string[]).map((p) => resolve(baseDir, p));
        break;
      }
      case 'env': out.env = validateEnvVars(value, 'env'); break;
      case 'maxMemory': if (!str && typeof value !== 'number') throw bad(expected); out.maxMemoryBytes = parseMemorySize(value as string | number, key); break;
      case 'killSignal': if (!str) throw bad(expected); out.killSignal = parseKillSignal(value as string, key); break;
    }
  } catch {
    throw bad(expected);
  }
}

function parseOnFailed(value: unknown, what: string): OnFailed | undefined {
  return parseChoice(value as string, what, ['exit', 'stay'] as const);
}

/**
 * Merge flags over the config file's values. Flags replace, except `--env-file`, which adds to the file's
 * `envFile` (applied after them). Relative `--env-file` paths are resolved from `dir`.
 * @throws HoldfastError ERR_HOLDFAST_INVALID_OPTION naming the flag, the value and what is expected.
 */
export function resolveOps(flags: OpsFlags, f: Partial<OpsConfig>, dir: string): OpsConfig {
  return {
    health: flags.health !== undefined ? parseHealthAddress(flags.health) : f.health,
    shutdownDelayMs: flags.shutdownDelay !== undefined ? parseDuration(flags.shutdownDelay, '--shutdown-delay') : f.shutdownDelayMs,
    onFailed: flags.onFailed !== undefined ? parseOnFailed(flags.onFailed, '--on-failed') : f.onFailed,
    envFiles: [...(f.envFiles ?? []), ...(flags.envFile ?? []).map((p) => resolve(dir, p))],
    env: f.env ?? {},
    maxMemoryBytes: flags.maxMemory !== undefined ? parseMemorySize(flags.maxMemory, '--max-memory') : f.maxMemoryBytes,
    killSignal: flags.killSignal !== undefined ? parseKillSignal(flags.killSignal) : f.killSignal,
  };
}
