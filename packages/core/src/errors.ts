/**
 * The holder's errors: one registry (message, hint, CLI exit code, control API status per code), one class.
 * Every code is documented in docs/errors.md under "core" (a test keeps the two in sync).
 */
import { defineErrorClass, defineErrors, type CodedError } from '@holdfast/native/coded-error';

const USAGE = 2;
const SOCKET = 3;

/** Every code the holder raises. */
export const CORE_ERRORS = defineErrors({
  ERR_HOLDFAST_INVALID_SPEC: {
    message: 'invalid socket spec', exitCode: USAGE, httpStatus: 400,
    hint: 'Socket specs look like tcp://127.0.0.1:8080, tcp://[::1]:8080, udp://0.0.0.0:5353, unix:/run/app.sock or unix:@name.',
  },
  ERR_HOLDFAST_INVALID_OPTION: {
    message: 'invalid option', exitCode: USAGE, httpStatus: 400,
    hint: 'Run the command with --help to see the accepted options and values.',
  },
  ERR_HOLDFAST_DUPLICATE_SOCKET: {
    message: 'a socket name or address is given twice', exitCode: USAGE,
    hint: 'Give every --listen a distinct NAME (it becomes the LISTEN_FDNAMES entry) and a distinct address (one held socket per address; a worker may serve one socket under one name only). A wildcard address (0.0.0.0, ::) already covers every address of its family on its port.',
  },
  ERR_HOLDFAST_SOCKET_OPEN: {
    message: 'a socket could not be opened', exitCode: SOCKET,
    hint: 'Another process may hold the address; `ss -ltnup` shows who.',
  },
  ERR_HOLDFAST_INHERITED_FD: {
    message: 'an inherited fd does not match its spec', exitCode: SOCKET,
    hint: 'systemd (or systemd-socket-activate) passed an fd under this name that is not what --listen says; make the .socket unit and the spec agree (`holdfast unit` prints matching units).',
  },
  ERR_HOLDFAST_COMMAND_NOT_FOUND: {
    message: 'command not found', exitCode: 4, httpStatus: 400,
    hint: 'Check the command after `--`: it must be on PATH or a path to an executable file.',
  },
  ERR_HOLDFAST_READY_TIMEOUT: {
    message: 'the new generation did not send READY=1 in time', exitCode: 1, httpStatus: 409,
    hint: 'The worker must send READY=1 (sd_notify) before --ready-timeout; with @holdfast/http-adapter, serve() does it.',
  },
  ERR_HOLDFAST_WORKER_EXITED: {
    message: 'the new generation exited before it was ready', exitCode: 1, httpStatus: 409,
    hint: 'The new generation exited before it was ready, or within --settle after READY=1; the failure report carries its last stderr lines (also `holdfast logs`). On a reload the previous generation keeps serving.',
  },
  ERR_HOLDFAST_STOPPING: {
    message: 'the holder is stopping', exitCode: 1, httpStatus: 409,
    hint: 'The holder is stopping; start it again to reload.',
  },
  ERR_HOLDFAST_CONTROL_IN_USE: {
    message: 'the control socket is in use by another holdfast', exitCode: 6,
    hint: 'Another holdfast is running with this control socket; stop it or pass a different --control.',
  },
  ERR_HOLDFAST_FORBIDDEN: {
    message: 'this uid may not use the control socket', exitCode: 1, httpStatus: 403,
    hint: 'The control socket accepts only the uid that runs the holder (and root).',
  },
  ERR_HOLDFAST_NO_ROUTE: {
    message: 'no such control API route', exitCode: 1, httpStatus: 404,
    hint: 'The control API serves GET /status, POST /reload, GET /metrics and POST /stop (docs/cli.md); check the method and the path.',
  },
  ERR_HOLDFAST_FAILED: {
    message: 'the service failed to start repeatedly', exitCode: 1, httpStatus: 409,
    hint: 'The service failed to start repeatedly; fix it and reload.',
  },
  ERR_HOLDFAST_ENV_FILE: {
    message: 'an env file cannot be read', exitCode: USAGE, httpStatus: 409,
    hint: 'Check the --env-file path (relative paths are resolved from where holdfast was started) and that the holder\'s user can read it; a reload with a bad env file is refused before it starts anything, and the running generation keeps serving.',
  },
  ERR_HOLDFAST_METRICS_DISABLED: {
    message: 'this control API serves no metrics', exitCode: 1, httpStatus: 404,
    hint: 'A holdfast holder always serves GET /metrics (holdfast metrics, or --health ADDR for plain HTTP); a program embedding startControlServer must pass a metrics() function in its ControlTarget.',
  },
  ERR_HOLDFAST_INTERNAL: {
    message: 'internal error', exitCode: 1, httpStatus: 500,
    hint: 'This is a bug in holdfast: please report it with the holder log around it.',
  },
});

/** A literal code from {@link CORE_ERRORS}. */
export type HoldfastErrorCode = keyof typeof CORE_ERRORS;

/**
 * An error raised by the holder. `code` is one of {@link CORE_ERRORS}; `hint` is one line the CLI prints under the
 * message; `exitCode` and `httpStatus` come from the registry; `cause` keeps the underlying error (e.g. a
 * Node-shaped EADDRINUSE).
 */
export const HoldfastError = defineErrorClass('HoldfastError', CORE_ERRORS);
export type HoldfastError = CodedError<HoldfastErrorCode>;

/**
 * `err` as a HoldfastError: itself when it is one, else ERR_HOLDFAST_INTERNAL with the original as `cause`
 * (never a code that would claim to know what happened).
 */
export function toHoldfastError(err: unknown): HoldfastError {
  if (err instanceof HoldfastError) return err;
  return new HoldfastError('ERR_HOLDFAST_INTERNAL', `internal error: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}
