import { resolve } from 'node:path';
import { locateConfig } from './config-file.js';
import { HoldfastError, parseDuration, parseListen, type SocketSpec } from '@holdfast/core/client';
import { validateOpsKey, type OpsConfig } from './config-ops.js';
import { validateSwapsKey, type SwapsConfig } from './config-swaps.js';
import { CONFIG_KEYS, DEV_KEYS, INT_LIMITS, LOG_LEVELS, OUTPUT_MODES, OUTPUT_TAGS, type OutputTagSetting } from './config-keys.js';
import { bad, isStringArray, parseCount, unknownKey } from './config-values.js';

/** A validated config file (paths made absolute against the file's directory). */
export interface FileConfig extends Partial<OpsConfig>, Partial<SwapsConfig> {
  listen?: SocketSpec[]; command?: string[]; cwd?: string; control?: string; readyTimeoutMs?: number;
  drainTimeoutMs?: number; logLevel?: string; watch?: string[]; ignore?: string[]; ext?: string[]; debounceMs?: number;
  workers?: number; reloadStrategy?: 'rolling' | 'all-at-once'; maxExtra?: number; settleMs?: number; watchdogMs?: number;
  maxRestarts?: number; preload?: boolean; waitReady?: boolean; strict?: boolean; output?: 'pipe' | 'inherit'; outputTag?: OutputTagSetting; outputTimestamps?: boolean;
}

/**
 * Validate a parsed config object. `where` names it in errors (e.g. `holdfast.config.json`), `baseDir` anchors
 * relative paths.
 * @throws HoldfastError ERR_HOLDFAST_INVALID_OPTION naming the key, the value and what is expected.
 */
export function validateConfig(raw: unknown, where: string, baseDir: string): FileConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `${where}: the configuration must be a JSON object; got ${JSON.stringify(raw)}`);
  }
  const out: FileConfig = {};
  for (const [key, value] of Object.entries(raw)) {
    switch (key) {
      case 'listen': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(where, key, value, CONFIG_KEYS.listen);
        out.listen = Object.entries(value).map(([name, spec]) => {
          if (typeof spec !== 'string') throw bad(where, `listen.${name}`, spec, 'a socket spec string like "tcp://127.0.0.1:3000"');
          try {
            return parseListen(`${name}=${spec}`);
          } catch (err) {
            throw new HoldfastError('ERR_HOLDFAST_INVALID_SPEC', `${where}: "listen.${name}": ${(err as Error).message}`, { cause: err });
          }
        });
        break;
      }
      case 'command':
        if (!isStringArray(value) || value.length === 0 || value[0] === '') throw bad(where, key, value, CONFIG_KEYS.command);
        out.command = value;
        break;
      case 'cwd':
      case 'control':
        if (typeof value !== 'string' || value === '') throw bad(where, key, value, CONFIG_KEYS[key]);
        out[key] = resolve(baseDir, value);
        break;
      case 'readyTimeout':
      case 'drainTimeout':
        if (typeof value !== 'string' && typeof value !== 'number') throw bad(where, key, value, CONFIG_KEYS[key]);
        try { out[key === 'readyTimeout' ? 'readyTimeoutMs' : 'drainTimeoutMs'] = parseDuration(value, key, key === 'readyTimeout' ? 1 : 0); } catch { throw bad(where, key, value, CONFIG_KEYS[key]); }
        break;
      case 'logLevel':
        if (typeof value !== 'string' || !LOG_LEVELS.includes(value)) throw bad(where, key, value, CONFIG_KEYS.logLevel);
        out.logLevel = value;
        break;
      case 'dev': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(where, key, value, CONFIG_KEYS.dev);
        for (const [dk, dv] of Object.entries(value)) {
          if (dk === 'watch' || dk === 'ignore' || dk === 'ext') {
            if (!isStringArray(dv)) throw bad(where, `dev.${dk}`, dv, DEV_KEYS[dk]);
            out[dk] = dk === 'watch' ? dv.map((p) => resolve(baseDir, p)) : dv;
          } else if (dk === 'debounce') {
            if (typeof dv !== 'string' && typeof dv !== 'number') throw bad(where, 'dev.debounce', dv, DEV_KEYS.debounce);
            try { out.debounceMs = parseDuration(dv, 'dev.debounce'); } catch { throw bad(where, 'dev.debounce', dv, DEV_KEYS.debounce); }
          } else {
            throw unknownKey(`${where} "dev"`, dk, dv, Object.keys(DEV_KEYS));
          }
        }
        break;
      }
      case 'workers':
      case 'maxExtra':
      case 'maxRestarts':
        if (typeof value !== 'number' && !(key === 'workers' && value === 'max')) throw bad(where, key, value, CONFIG_KEYS[key]);
        try { out[key] = parseCount(value, key, INT_LIMITS[key]); } catch { throw bad(where, key, value, CONFIG_KEYS[key]); }
        break;
      case 'reloadStrategy':
        if (value !== 'rolling' && value !== 'all-at-once') throw bad(where, key, value, CONFIG_KEYS[key]);
        out.reloadStrategy = value;
        break;
      case 'settle':
      case 'watchdog':
        if (typeof value !== 'string' && typeof value !== 'number') throw bad(where, key, value, CONFIG_KEYS[key]);
        try { out[key === 'settle' ? 'settleMs' : 'watchdogMs'] = parseDuration(value, key); } catch { throw bad(where, key, value, CONFIG_KEYS[key]); }
        break;
      case 'preload':
      case 'waitReady':
      case 'strict':
        if (typeof value !== 'boolean') throw bad(where, key, value, CONFIG_KEYS[key]);
        out[key] = value;
        break;
      case 'output':
        if (!OUTPUT_MODES.includes(value as 'pipe')) throw bad(where, key, value, CONFIG_KEYS[key]);
        out.output = value as 'pipe' | 'inherit';
        break;
      case 'outputTag':
        if (!OUTPUT_TAGS.includes(value as 'auto')) throw bad(where, key, value, CONFIG_KEYS[key]);
        out.outputTag = value as OutputTagSetting;
        break;
      case 'outputTimestamps':
        if (typeof value !== 'boolean') throw bad(where, key, value, CONFIG_KEYS[key]);
        out.outputTimestamps = value;
        break;
      case '$schema':
        break;
      case 'health': case 'shutdownDelay': case 'onFailed': case 'envFile': case 'env': case 'maxMemory': case 'killSignal':
        validateOpsKey(key, value, baseDir, out, (expected) => bad(where, key, value, expected));
        break;
      case 'standby': case 'idleStart': case 'warmup': case 'warmupCount':
        validateSwapsKey(key, value, out, (expected) => bad(where, key, value, expected));
        break;
      default:
        throw unknownKey(where, key, value, Object.keys(CONFIG_KEYS));
    }
  }
  return out;
}

/**
 * Find (config-file.ts) and validate the config file for `dir`: `explicit` if given, else `holdfast.config.json`,
 * else the `"holdfast"` key of package.json. Returns null when there is none.
 * @throws HoldfastError ERR_HOLDFAST_INVALID_OPTION / ERR_HOLDFAST_INVALID_SPEC naming the file, key and value.
 */
export function loadConfigFile(dir: string, explicit?: string): { config: FileConfig; source: string } | null {
  const found = locateConfig(dir, explicit);
  return found && { config: validateConfig(found.raw, found.where, found.baseDir), source: found.where };
}
