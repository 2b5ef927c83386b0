import { CORE_ERRORS } from '@holdfast/core/client';
import { CLI_ERRORS } from './errors.js';

/** Every code the command can end with, from the registries (docs/errors.md lists them with their exit codes). */
const REGISTRY: Readonly<Record<string, { exitCode: number }>> = { ...CORE_ERRORS, ...CLI_ERRORS };

/** The exit codes that belong to no error code. */
export const EXIT = { OK: 0, FAILED: 1 } as const;

/**
 * Exit code for an error code, from its registry entry (CORE_ERRORS, CLI_ERRORS): 2 bad usage, 3 a socket could not
 * be opened, 4 command not found, 5 no holder answers, 6 control socket in use; 1 for any other code or none.
 */
export function exitCodeFor(code: string | undefined): number {
  return (code !== undefined && REGISTRY[code]?.exitCode) || EXIT.FAILED;
}

/**
 * `holdfast status --check` codes for the states that are not serving and belong to no error code (docs/cli.md):
 * 7 starting, 8 restarting, 9 stopping. `failed` is 1 and "no holder" is ERR_HOLDFAST_CONTROL_UNREACHABLE's 5.
 */
export const CHECK_EXIT = { STARTING: 7, RESTARTING: 8, STOPPING: 9 } as const;

/**
 * `holdfast status --check`: 0 while the service is ready (a generation serves; not stopping, not failed: what
 * `/readyz` answers 200 for), else the code of its state. A `restarting` service with another worker still
 * serving is ready (0).
 */
export function checkExitCode(state: string, ready: boolean): number {
  if (ready) return EXIT.OK;
  switch (state) {
    case 'starting': return CHECK_EXIT.STARTING;
    case 'restarting': return CHECK_EXIT.RESTARTING;
    case 'stopping': case 'stopped': return CHECK_EXIT.STOPPING;
    default: return EXIT.FAILED; // failed (or a state this CLI does not know)
  }
}
