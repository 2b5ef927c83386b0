import { defaultControlPath, Holder, parseDuration, parseListen } from '@holdfast/core';
import { cliLogger } from './logger.js';

/** Options of `holdfast run`, as commander parses them. */
export interface RunFlags {
  listen: string[];
  control?: string;
  readyTimeout: string;
  drainTimeout: string;
}

/**
 * `holdfast run`: hold the sockets, run CMD as generation 1, reload on SIGHUP or `holdfast reload`, stop on
 * SIGTERM/SIGINT. Resolves when the holder has stopped.
 */
export async function runCommand(flags: RunFlags, command: string[]): Promise<void> {
  // Validate everything before anything is opened.
  const sockets = flags.listen.map(parseListen);
  const readyTimeoutMs = parseDuration(flags.readyTimeout, '--ready-timeout');
  const drainTimeoutMs = parseDuration(flags.drainTimeout, '--drain-timeout');
  const controlPath = flags.control ?? defaultControlPath();
  const [cmd, ...args] = command;
  const holder = await Holder.start({ sockets, command: cmd, args, controlPath, readyTimeoutMs, drainTimeoutMs, logger: cliLogger() });
  holder.installSignalHandlers();
  await holder.stopped;
}
