import { resolveConfig, type ConfigFlags } from './config.js';
import { startHolder } from './start-holder.js';
import { EXIT } from './exit-codes.js';

/**
 * `holdfast run`: hold the sockets, run CMD as generation 1, reload on SIGHUP or `holdfast reload`, stop on
 * SIGTERM/SIGINT. Flags override the config file (config.ts). Resolves when the holder has stopped; exit code 1 when
 * it stopped because the service failed (--on-failed exit).
 */
export async function runCommand(flags: ConfigFlags, command: string[]): Promise<void> {
  // Validate everything before anything is opened.
  const holder = await startHolder(resolveConfig(flags, command));
  await holder.stopped;
  // --on-failed exit (run's default): the crash loop gave up, so the process that runs us should restart us.
  if (holder.stopReason === 'failed') process.exitCode = EXIT.FAILED;
}
