import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { defaultControlPath, Holder } from '@holdfast/core';
import { resolveConfig, type ConfigFlags } from './config.js';
import { cliLogger } from './logger.js';

/**
 * `holdfast run`: hold the sockets, run CMD as generation 1, reload on SIGHUP or `holdfast reload`, stop on
 * SIGTERM/SIGINT. Flags override the config file (config.ts). Resolves when the holder has stopped.
 */
export async function runCommand(flags: ConfigFlags, command: string[]): Promise<void> {
  // Validate everything before anything is opened.
  const cfg = resolveConfig(flags, command);
  const log = cliLogger(cfg.logLevel);
  if (cfg.source) log.info({ config: cfg.source }, 'configuration loaded');
  const [cmd, ...args] = cfg.command;
  if (cfg.controlPath) mkdirSync(dirname(cfg.controlPath), { recursive: true, mode: 0o700 });
  const holder = await Holder.start({
    sockets: cfg.sockets, command: cmd, args, cwd: cfg.cwd, controlPath: cfg.controlPath ?? defaultControlPath(),
    readyTimeoutMs: cfg.readyTimeoutMs, drainTimeoutMs: cfg.drainTimeoutMs, logger: log,
    workers: cfg.workers, reloadStrategy: cfg.reloadStrategy, maxExtra: cfg.maxExtra, settleMs: cfg.settleMs,
    watchdogMs: cfg.watchdogMs, maxFailures: cfg.maxRestarts,
  });
  holder.installSignalHandlers();
  await holder.stopped;
}
