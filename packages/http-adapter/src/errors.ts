/**
 * The adapter's errors and warnings: one registry each, one error class. Messages name the fd (its LISTEN_FDNAMES
 * entry), what was found and what was expected. docs/errors.md documents every code under "http-adapter".
 * Exit code 1 is what an uncaught error gives the worker process.
 */
// The pure module, not the package's index (which loads the addon): see native.ts.
import { defineErrorClass, defineErrors, emitCodedWarning, type CodedError } from '@holdfast/native/coded-error';

/** Every code `HoldfastAdapterError` can carry. */
export const ADAPTER_ERRORS = defineErrors({
  ERR_HOLDFAST_NO_LISTEN_FD: {
    message: 'no inherited fd with that name or of that kind, and no fallback applies', exitCode: 1,
    hint: 'Check the socket names given to the holder (LISTEN_FDNAMES), or pass options.name / options.fallback.',
  },
  ERR_HOLDFAST_FD_MISMATCH: {
    message: 'the inherited fd is not what was expected', exitCode: 1,
    hint: 'The message says what the fd is and what was expected: make the holder\'s --listen spec and the target agree.',
  },
  ERR_HOLDFAST_BAD_LISTEN_FD: {
    message: 'LISTEN_* are malformed or announce an fd that is not open', exitCode: 1,
    hint: 'Whoever started this process set LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES wrongly (sd_listen_fds(3)).',
  },
  ERR_HOLDFAST_FD_IN_USE: {
    message: 'the inherited fd is already served by an earlier serve() call', exitCode: 1,
    hint: 'Call serve() once per inherited fd; pass options.name to pick another one.',
  },
  ERR_HOLDFAST_INVALID_OPTION: {
    message: 'an option has an invalid value', exitCode: 1,
    hint: 'The message names the option, the value and what was expected.',
  },
  ERR_HOLDFAST_INVALID_TARGET: {
    message: 'the target is not a fastify instance, http(s)/http2/net server or dgram socket', exitCode: 1,
    hint: 'Pass the server object itself (fastify instance, http.createServer(), net.createServer(), dgram.createSocket()).',
  },
  ERR_HOLDFAST_NATIVE_MISSING: {
    message: 'LISTEN_FDS, NOTIFY_SOCKET or a holder needs the @holdfast/native addon, which does not load here', exitCode: 1,
    hint: 'Under a holder or systemd (Linux), install @holdfast/native with its binary (prebuilt for linux-x64, else `npm rebuild @holdfast/native` with a C++ compiler); with no LISTEN_FDS and no NOTIFY_SOCKET, serve() binds its fallback address and needs no addon.',
  },
  ERR_HOLDFAST_UNHELD_ADDRESS: {
    message: 'register hook, strict mode: the app listened on or bound a port the holder does not hold', exitCode: 1,
    hint: 'Add the -l NAME=SPEC the message names to `holdfast run` (or turn strict mode off: no --strict, no HOLDFAST_STRICT=1).',
  },
  ERR_HOLDFAST_CLUSTER: {
    message: 'serve() was called in a node:cluster worker of a process that inherited LISTEN_FDS', exitCode: 1,
    hint: 'Let the holder run several workers (--workers N) instead of node:cluster: cluster would open a second socket.',
  },
});

/** Every warning the adapter emits (process.emitWarning, type 'HoldfastWarning'). */
export const ADAPTER_WARNINGS = Object.freeze({
  WARN_HOLDFAST_LISTEN_PID_MISMATCH: {
    message: 'LISTEN_FDS ignored: LISTEN_PID names another process',
    hint: 'A wrapper (npm start, tsx) is the process LISTEN_PID names; run node directly, or with node --import.',
  },
  WARN_HOLDFAST_UNHELD_PORT: {
    message: 'register hook: the app binds a port the holder does not hold, so it closes on every reload',
    hint: 'Add the -l NAME=SPEC the message names to `holdfast run`; --strict makes this an error.',
  },
  WARN_HOLDFAST_UNCLAIMED_SOCKET: {
    message: 'register hook: a held socket is still unclaimed; READY=1 waits for every held socket',
    hint: 'Make the app listen on it, or drop its -l from the holder.',
  },
  WARN_HOLDFAST_WARMUP_FAILED: {
    message: 'warm-up requests failed',
    hint: 'A warm-up request answered 5xx, threw or did not answer; check the --warmup paths (or serve()\'s warmup option). READY=1 is sent anyway.',
  },
  WARN_HOLDFAST_NOTIFY_FAILED: {
    message: 'an sd_notify message could not be sent',
    hint: 'NOTIFY_SOCKET names a socket nobody reads; the holder (or systemd) may be gone.',
  },
});

/** A literal code from {@link ADAPTER_ERRORS}. */
export type HoldfastAdapterErrorCode = keyof typeof ADAPTER_ERRORS;

/**
 * Error thrown by the adapter. `code` is one of {@link ADAPTER_ERRORS}; `hint` is a one-line suggestion;
 * `cause` keeps the underlying error (e.g. EBADF).
 */
export const HoldfastAdapterError = defineErrorClass('HoldfastAdapterError', ADAPTER_ERRORS);
export type HoldfastAdapterError = CodedError<HoldfastAdapterErrorCode>;

/** Emits one of {@link ADAPTER_WARNINGS}, with a message naming the specifics. */
export function warn(code: keyof typeof ADAPTER_WARNINGS, message?: string): void {
  emitCodedWarning(ADAPTER_WARNINGS, code, message);
}
