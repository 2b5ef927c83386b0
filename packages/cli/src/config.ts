import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { locateConfig } from './config-file.js';
import { DURATION_FORMATS, HOLDFAST_ENV, HoldfastError, parseDuration, parseListen, type SocketSpec } from '@holdfast/core/client';
import { OPS_KEYS, resolveOps, validateOpsKey, type OpsConfig, type OpsFlags } from './config-ops.js';
import { resolveSwaps, SWAPS_KEYS, validateSwapsKey, type SwapsConfig, type SwapsFlags } from './config-swaps.js';

/**
 * Configuration of `holdfast run` and `holdfast dev`, merged from (highest first) command-line flags,
 * environment variables ($HOLDFAST_CONTROL, $HOLDFAST_LOG_LEVEL), the config file, and the defaults.
 *
 * The config file is `holdfast.config.json` in the working directory, or the `"holdfast"` key of its
 * package.json (having both is refused as ambiguous), or the file `--config PATH` names. Every flag has a key;
 * unknown keys and bad values are refused with the key, the value and what is expected (docs/config.md).
 */
export interface ResolvedConfig extends OpsConfig, SwapsConfig {
  sockets: SocketSpec[];
  command: string[];
  cwd: string;
  controlPath: string | undefined;
  readyTimeoutMs: number;
  drainTimeoutMs: number;
  logLevel: string;
  watch: string[];
  ignore: string[];
  /** `--ext` / `dev.ext` as given (dev's watch-filter.ts parses it; undefined: its defaults). */
  extensions: string[] | undefined;
  debounceMs: number;
  /** Supervisor settings (docs/faults.md); undefined = core's default. */
  workers: number | undefined;
  reloadStrategy: 'rolling' | 'all-at-once' | undefined;
  maxExtra: number | undefined;
  settleMs: number | undefined;
  watchdogMs: number | undefined;
  maxRestarts: number | undefined;
  /** Preload the register hook into Node commands (an unmodified app's listen() takes the held sockets). Default true. */
  preload: boolean;
  /** READY=1 when the app calls process.send('ready') (PM2's wait_ready). Default false. */
  waitReady: boolean;
  /** An app's listen on a port holdfast does not hold fails, naming the -l to add. Default false. */
  strict: boolean;
  /** Worker stdout/stderr: copied through the holder (`pipe`, default) or the holder's fds (`inherit`). */
  output: 'pipe' | 'inherit';
  /** Tag worker lines with generation and pid: `auto` (default: on a TTY and in dev), `prefix` or `none`. */
  outputTag: OutputTagSetting;
  /** Add the time the holder read each worker line. Default false. */
  outputTimestamps: boolean;
  /** Where the file config came from, for logs (undefined: none). */
  source: string | undefined;
}

/** Flags as commander hands them over (every one optional: absent means "not given"). */
export interface ConfigFlags extends OpsFlags, SwapsFlags {
  config?: string;
  listen?: string[];
  control?: string;
  readyTimeout?: string;
  drainTimeout?: string;
  cwd?: string;
  logLevel?: string;
  watch?: string[];
  ignore?: string[];
  ext?: string[];
  debounce?: string;
  workers?: string;
  reloadStrategy?: string;
  maxExtra?: string;
  settle?: string;
  watchdog?: string;
  maxRestarts?: string;
  /** commander's --no-preload: false when given. */
  preload?: boolean;
  waitReady?: boolean;
  strict?: boolean;
  output?: string;
  outputTag?: string;
  outputTimestamps?: boolean;
}

/** `--output-tag`: `auto` tags lines when a person reads them (stdout is a TTY, or `holdfast dev`). */
export type OutputTagSetting = 'auto' | 'prefix' | 'none';
const OUTPUT_MODES = ['pipe', 'inherit'] as const;
const OUTPUT_TAGS = ['auto', 'prefix', 'none'] as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Keys of the config file and what each expects (also the error text; docs/config.md lists them, test/docs-sync.test.ts checks). */
export const CONFIG_KEYS = {
  listen: 'an object of NAME: SPEC, e.g. {"http": "tcp://127.0.0.1:3000"}',
  command: 'a non-empty array of strings, e.g. ["node", "server.mjs"]',
  cwd: 'a directory path (relative to the config file)',
  control: 'a control socket path (relative to the config file)',
  readyTimeout: `a duration like ${DURATION_FORMATS}, at least 1 ms and at most 24.8 days`,
  drainTimeout: `a duration like ${DURATION_FORMATS}, at most 24.8 days`,
  logLevel: `one of ${LOG_LEVELS.join(', ')}`,
  workers: 'a whole number of worker processes, 1 to 1024, or "max" (one per CPU); a number is a JSON number, not a string',
  reloadStrategy: 'one of rolling, all-at-once',
  maxExtra: 'a whole number of extra processes allowed during a swap, 1 to 1024',
  settle: `a duration like ${DURATION_FORMATS}`,
  watchdog: 'a duration like 10s, or 0 to disable',
  maxRestarts: 'a whole number of consecutive failures before the service is marked failed, 1 to 1000000',
  dev: 'an object with watch, ignore, ext and debounce',
  ...OPS_KEYS,
  ...SWAPS_KEYS,
  preload: 'true or false: preload the register hook into Node commands (default true)',
  waitReady: 'true or false: READY=1 when the app calls process.send(\'ready\') (default false)',
  strict: 'true or false: an app\'s listen on a port holdfast does not hold fails (default false)',
  output: 'one of pipe, inherit',
  outputTag: 'one of auto, prefix, none',
  outputTimestamps: 'true or false',
} as const;
export const DEV_KEYS = {
  watch: 'an array of paths to watch (relative to the config file)',
  ignore: 'an array of glob patterns, e.g. ["**/*.test.ts"]',
  ext: 'an array of file extensions whose changes reload, e.g. ["js", "ts", "graphql"], or ["*"] for any file',
  debounce: `a duration like ${DURATION_FORMATS}`,
} as const;

function bad(where: string, key: string, value: unknown, expected: string): HoldfastError {
  return new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `${where}: "${key}" must be ${expected}; got ${JSON.stringify(value)}`,
    { hint: 'docs/config.md lists every key; command-line flags override the file.' });
}

function unknownKey(where: string, key: string, value: unknown, known: string[]): HoldfastError {
  const close = known.find((k) => k.toLowerCase() === key.toLowerCase() || editDistance(k, key) <= 2);
  return new HoldfastError('ERR_HOLDFAST_INVALID_OPTION',
    `${where}: unknown key "${key}" (value ${JSON.stringify(value)}); expected one of ${known.join(', ')}${close ? ` (did you mean "${close}"?)` : ''}`,
    { hint: 'docs/config.md lists every key.' });
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  return d[a.length][b.length];
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** A validated config file (paths made absolute against the file's directory). */
interface FileConfig extends Partial<OpsConfig>, Partial<SwapsConfig> {
  listen?: SocketSpec[]; command?: string[]; cwd?: string; control?: string; readyTimeoutMs?: number;
  drainTimeoutMs?: number; logLevel?: string; watch?: string[]; ignore?: string[]; ext?: string[]; debounceMs?: number;
  workers?: number; reloadStrategy?: 'rolling' | 'all-at-once'; maxExtra?: number; settleMs?: number; watchdogMs?: number;
  maxRestarts?: number; preload?: boolean; waitReady?: boolean; strict?: boolean; output?: 'pipe' | 'inherit'; outputTag?: OutputTagSetting; outputTimestamps?: boolean;
}

function parseChoice<T extends string>(value: string | undefined, what: string, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `${what} must be one of ${choices.join(', ')}; got ${JSON.stringify(value)}`);
}

const INT_LIMITS = { workers: 1024, maxExtra: 1024, maxRestarts: 1_000_000 } as const;

/** A whole number in 1..max from a flag or a config value (or `max`, one per CPU, for `--workers`), or undefined when absent. */
function parseCount(value: string | number | undefined, what: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (value === 'max' && what.endsWith('workers')) return Math.min(availableParallelism(), max);
  const n = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `${what} must be a whole number from 1 to ${max}${what.endsWith('workers') ? ' or max (one per CPU)' : ''}; got ${JSON.stringify(value)}`);
  }
  return n;
}

function parseStrategy(value: string | undefined, what: string): 'rolling' | 'all-at-once' | undefined {
  if (value === undefined) return undefined;
  if (value === 'rolling' || value === 'all-at-once') return value;
  throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `${what} must be one of rolling, all-at-once; got ${JSON.stringify(value)}`);
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
      case 'standby': case 'warmup': case 'warmupCount':
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

/**
 * Merge flags, environment, config file and defaults. `command` is what followed `--` (empty: take the file's).
 * @throws HoldfastError ERR_HOLDFAST_INVALID_OPTION / ERR_HOLDFAST_INVALID_SPEC before anything is opened.
 */
export function resolveConfig(flags: ConfigFlags, command: string[], env: NodeJS.ProcessEnv = process.env, dir = process.cwd(),
  defaults: { readyTimeoutMs: number; drainTimeoutMs: number } = { readyTimeoutMs: 30_000, drainTimeoutMs: 30_000 }): ResolvedConfig {
  const file = loadConfigFile(dir, flags.config);
  const f = file?.config ?? {};
  const logLevel = flags.logLevel ?? env[HOLDFAST_ENV.LOG_LEVEL] ?? f.logLevel ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    const from = flags.logLevel !== undefined ? '--log-level' : `$${HOLDFAST_ENV.LOG_LEVEL}`;
    throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `${from} must be one of ${LOG_LEVELS.join(', ')}; got ${JSON.stringify(logLevel)}`);
  }
  const cmd = command.length > 0 ? command : f.command ?? [];
  if (cmd.length === 0) {
    throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', 'no command: give it after -- (holdfast run -- node server.mjs) or as "command" in the config file',
      { hint: 'Run with --help for examples.' });
  }
  return {
    sockets: flags.listen && flags.listen.length > 0 ? flags.listen.map(parseListen) : f.listen ?? [],
    command: cmd,
    cwd: flags.cwd !== undefined ? resolve(dir, flags.cwd) : f.cwd ?? dir,
    // $HOLDFAST_CONTROL is applied by defaultControlPath when this is undefined.
    controlPath: flags.control !== undefined ? resolve(dir, flags.control) : env[HOLDFAST_ENV.CONTROL] ? undefined : f.control,
    readyTimeoutMs: flags.readyTimeout !== undefined ? parseDuration(flags.readyTimeout, '--ready-timeout', 1) : f.readyTimeoutMs ?? defaults.readyTimeoutMs,
    drainTimeoutMs: flags.drainTimeout !== undefined ? parseDuration(flags.drainTimeout, '--drain-timeout') : f.drainTimeoutMs ?? defaults.drainTimeoutMs,
    logLevel,
    watch: flags.watch && flags.watch.length > 0 ? flags.watch.map((p) => resolve(dir, p)) : f.watch ?? [],
    ignore: [...(f.ignore ?? []), ...(flags.ignore ?? [])],
    extensions: flags.ext && flags.ext.length > 0 ? flags.ext : f.ext,
    debounceMs: flags.debounce !== undefined ? parseDuration(flags.debounce, '--debounce') : f.debounceMs ?? 150,
    workers: parseCount(flags.workers, '--workers', INT_LIMITS.workers) ?? f.workers,
    reloadStrategy: parseStrategy(flags.reloadStrategy, '--reload-strategy') ?? f.reloadStrategy,
    maxExtra: parseCount(flags.maxExtra, '--max-extra', INT_LIMITS.maxExtra) ?? f.maxExtra,
    settleMs: flags.settle !== undefined ? parseDuration(flags.settle, '--settle') : f.settleMs,
    watchdogMs: flags.watchdog !== undefined ? parseDuration(flags.watchdog, '--watchdog') : f.watchdogMs,
    maxRestarts: parseCount(flags.maxRestarts, '--max-restarts', INT_LIMITS.maxRestarts) ?? f.maxRestarts,
    ...resolveOps(flags, f, dir),
    ...resolveSwaps(flags, f),
    preload: flags.preload === false ? false : f.preload ?? true,
    waitReady: flags.waitReady === true || (f.waitReady ?? false),
    strict: flags.strict === true || (f.strict ?? false),
    output: parseChoice(flags.output, '--output', OUTPUT_MODES) ?? f.output ?? 'pipe',
    outputTag: parseChoice(flags.outputTag, '--output-tag', OUTPUT_TAGS) ?? f.outputTag ?? 'auto',
    outputTimestamps: flags.outputTimestamps ?? f.outputTimestamps ?? false,
    source: file?.source,
  };
}
