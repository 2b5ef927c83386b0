import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultControlPath, Holder, HoldfastError, type OnFailed } from '@holdfast/core';
import type { ResolvedConfig } from './config.js';
import { cliLogger } from './logger.js';
import { warmupEnv } from './config-swaps.js';

/** Absolute path of the adapter's register hook, which the holder preloads into Node workers. */
export function registerPath(): string {
  return fileURLToPath(import.meta.resolve('@holdfast/http-adapter/register'));
}

/**
 * Start a holder from a resolved configuration (the part `holdfast run` and `holdfast dev` share): logger,
 * control directory, every holder and supervisor option, signal handlers. `onFailedDefault` applies when neither
 * --on-failed nor the config file says: `run` exits (its own supervisor restarts it), `dev` stays (the next save reloads).
 * @throws whatever Holder.start throws (HoldfastError with a code; see docs/errors.md).
 */
export async function startHolder(cfg: ResolvedConfig, onFailedDefault: OnFailed = 'exit', opts: { dev?: boolean } = {}): Promise<Holder> {
  const log = cliLogger(cfg.logLevel);
  if (cfg.source) log.info({ config: cfg.source }, 'configuration loaded');
  const [cmd, ...args] = cfg.command;
  // A control path in a directory that does not exist is a typo more often than a wish: say so, create nothing.
  if (cfg.controlPath && !statSync(dirname(cfg.controlPath), { throwIfNoEntry: false })?.isDirectory()) {
    // Name the input the path came from: the flag, or the config file's key (a user who passed no flag looks there).
    const from = cfg.controlFrom ?? '--control';
    throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `${from === '--control' ? `--control ${cfg.controlPath}` : `${from}: ${JSON.stringify(cfg.controlPath)}`}: the directory ${dirname(cfg.controlPath)} does not exist`,
      { hint: `Create it first (mkdir -p -m 700 ${dirname(cfg.controlPath)}) or pick a path in an existing directory.` });
  }
  const holder = await Holder.start({
    sockets: cfg.sockets, command: cmd, args, cwd: cfg.cwd, controlPath: cfg.controlPath ?? defaultControlPath(),
    readyTimeoutMs: cfg.readyTimeoutMs, drainTimeoutMs: cfg.drainTimeoutMs, logger: log,
    workers: cfg.workers, reloadStrategy: cfg.reloadStrategy, maxExtra: cfg.maxExtra, settleMs: cfg.settleMs,
    watchdogMs: cfg.watchdogMs, maxFailures: cfg.maxRestarts,
    health: cfg.health, shutdownDelayMs: cfg.shutdownDelayMs, onFailed: cfg.onFailed ?? onFailedDefault, envFiles: cfg.envFiles,
    envVars: { ...warmupEnv(cfg), ...cfg.env }, standby: cfg.standby,
    // dev: a save is the developer waiting for the new code, not requests to protect from a reload's start-up.
    idleStartMs: cfg.idleStartMs ?? (opts.dev ? 0 : undefined), maxMemoryBytes: cfg.maxMemoryBytes, killSignal: cfg.killSignal,
    ...(cfg.preload ? { preload: { registerPath: registerPath(), waitReady: cfg.waitReady, strict: cfg.strict } } : {}),
    output: {
      mode: cfg.output, timestamps: cfg.outputTimestamps,
      // Tags help a person (a terminal, or dev); a log collector gets the lines exactly as the worker wrote them.
      tag: cfg.outputTag === 'auto' ? (opts.dev || process.stdout.isTTY ? 'prefix' : 'none') : cfg.outputTag,
    },
  });
  holder.installSignalHandlers();
  return holder;
}
