import { resolve } from 'node:path';
import { HOLDFAST_ENV, HoldfastError, parseDuration, parseListen, type SocketSpec } from '@holdfast/core/client';
import { resolveOps, type OpsConfig, type OpsFlags } from './config-ops.js';
import { resolveSwaps, type SwapsConfig, type SwapsFlags } from './config-swaps.js';
import { INT_LIMITS, LOG_LEVELS, OUTPUT_MODES, OUTPUT_TAGS, type OutputTagSetting } from './config-keys.js';
import { parseChoice, parseCount, parseStrategy } from './config-values.js';
import { loadConfigFile } from './config-validate.js';

export { CONFIG_KEYS, DEV_KEYS, type OutputTagSetting } from './config-keys.js';
export { loadConfigFile, validateConfig } from './config-validate.js';

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
  /** Where `controlPath` came from, for messages: `--control`, or `"control" in FILE` (undefined: no path given). */
  controlFrom: string | undefined;
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
    controlFrom: flags.control !== undefined ? '--control' : env[HOLDFAST_ENV.CONTROL] || f.control === undefined ? undefined : `"control" in ${file?.source}`,
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
