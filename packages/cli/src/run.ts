import { resolveConfig, type ConfigFlags } from './config.js';
import { startHolder } from './start-holder.js';

/**
 * `holdfast run`: hold the sockets, run CMD as generation 1, reload on SIGHUP or `holdfast reload`, stop on
 * SIGTERM/SIGINT. Flags override the config file (config.ts). Resolves when the holder has stopped.
 */
export async function runCommand(flags: ConfigFlags, command: string[]): Promise<void> {
  // Validate everything before anything is opened.
  const holder = await startHolder(resolveConfig(flags, command));
  await holder.stopped;
}
