/**
 * holdfast's own errors: one registry, one class. Every code is documented in docs/errors.md
 * (a test keeps the two in sync).
 */

/** Every error code the holder can raise, with the hint the CLI prints under the message. */
export const ERROR_CODES = {
  ERR_HOLDFAST_INVALID_SPEC: 'Socket specs look like tcp://127.0.0.1:8080, tcp://[::1]:8080, udp://0.0.0.0:5353, unix:/run/app.sock or unix:@name.',
  ERR_HOLDFAST_INVALID_OPTION: 'Run the command with --help to see the accepted options and values.',
  ERR_HOLDFAST_DUPLICATE_SOCKET: 'Give every --listen a distinct NAME (it becomes the LISTEN_FDNAMES entry).',
  ERR_HOLDFAST_SOCKET_OPEN: 'Another process may hold the address; `ss -ltnup` shows who.',
  ERR_HOLDFAST_COMMAND_NOT_FOUND: 'Check the command after `--`: it must be on PATH or a path to an executable file.',
  ERR_HOLDFAST_READY_TIMEOUT: 'The worker must send READY=1 (sd_notify) before --ready-timeout; with @holdfast/http-adapter, serve() does it.',
  ERR_HOLDFAST_WORKER_EXITED: 'The new generation exited before it was ready; its output is in the log of the holder (its stderr, or journalctl). The previous generation keeps serving.',
  ERR_HOLDFAST_STOPPING: 'The holder is stopping; start it again to reload.',
  ERR_HOLDFAST_CONTROL_IN_USE: 'Another holdfast is running with this control socket; stop it or pass a different --control.',
  ERR_HOLDFAST_CONTROL_UNREACHABLE: 'No holdfast is running with this control socket; start one with `holdfast run` in this directory or pass --control.',
  ERR_HOLDFAST_FORBIDDEN: 'The control socket accepts only the uid that runs the holder (and root).',
  ERR_HOLDFAST_FAILED: 'The service failed to start repeatedly; fix it and reload.',
  ERR_HOLDFAST_INHERITED_FD: 'systemd (or systemd-socket-activate) passed an fd under this name that is not what --listen says; make the .socket unit and the spec agree (`holdfast unit` prints matching units).',
} as const;

/** A literal code from {@link ERROR_CODES}. */
export type HoldfastErrorCode = keyof typeof ERROR_CODES;

/**
 * An error raised by holdfast itself. `code` is one of {@link ERROR_CODES}; `hint` is one line the CLI
 * prints under the message; `cause` keeps the underlying error (e.g. a Node-shaped EADDRINUSE).
 */
export class HoldfastError extends Error {
  readonly code: HoldfastErrorCode;
  readonly hint: string;

  constructor(code: HoldfastErrorCode, message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HoldfastError';
    this.code = code;
    this.hint = options.hint ?? ERROR_CODES[code];
  }

  /** The JSON shape the control API answers with: `{ code, message, hint }`. */
  toJSON(): { code: string; message: string; hint: string } {
    return { code: this.code, message: this.message, hint: this.hint };
  }
}
