import type { HoldfastErrorCode } from '@holdfast/core';

/**
 * holdfast's exit codes (docs/cli.md lists them):
 * 0 success · 1 reload rolled back or the service failed · 2 bad usage (unknown option, malformed spec or duration)
 * 3 a socket could not be opened (in use, permission) · 4 command not found
 * 5 no holder answers on the control socket · 6 another holder already uses the control socket
 */
export const EXIT = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  SOCKET: 3,
  COMMAND_NOT_FOUND: 4,
  CONTROL_UNREACHABLE: 5,
  CONTROL_IN_USE: 6,
} as const;

/** Exit code for a HoldfastError code. */
export function exitCodeFor(code: HoldfastErrorCode | string | undefined): number {
  switch (code) {
    case 'ERR_HOLDFAST_INVALID_SPEC':
    case 'ERR_HOLDFAST_INVALID_OPTION':
    case 'ERR_HOLDFAST_DUPLICATE_SOCKET':
      return EXIT.USAGE;
    case 'ERR_HOLDFAST_SOCKET_OPEN':
    case 'ERR_HOLDFAST_INHERITED_FD':
      return EXIT.SOCKET;
    case 'ERR_HOLDFAST_COMMAND_NOT_FOUND': return EXIT.COMMAND_NOT_FOUND;
    case 'ERR_HOLDFAST_CONTROL_UNREACHABLE': return EXIT.CONTROL_UNREACHABLE;
    case 'ERR_HOLDFAST_CONTROL_IN_USE': return EXIT.CONTROL_IN_USE;
    default: return EXIT.FAILED;
  }
}
