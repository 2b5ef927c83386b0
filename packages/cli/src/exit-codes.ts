import { CORE_ERRORS } from '@holdfast/core';
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
