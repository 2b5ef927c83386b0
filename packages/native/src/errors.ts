/**
 * Node-shaped errors for the native layer.
 *
 * System errors look exactly like Node's own `net` errors (see Node's `exceptionWithHostPort`):
 * `code` ('EADDRINUSE', from util.getSystemErrorName), `errno` (negative), `syscall`, and
 * `address`/`port` (inet) or `address` = the path (unix). Messages are
 * `<syscall> <CODE> <address>[:<port>]`, plus ` (socket "<name>")` when the caller named the socket:
 * `listen EADDRINUSE 0.0.0.0:8080 (socket "http")`, `bind EACCES /run/x.sock`.
 *
 * Validation errors are TypeErrors with code 'ERR_INVALID_ARG_VALUE' (Node's code), execa-style:
 * the message names the option, the value received and what was expected.
 */
import { getSystemErrorName, inspect } from 'node:util';
import { defineErrorClass, defineErrors } from './coded-error.js';

/**
 * This package's registry. Its only code of its own making is Node's: bad arguments are TypeErrors with
 * ERR_INVALID_ARG_VALUE, as Node's own APIs throw them; system errors keep their errno names (EADDRINUSE, ...).
 */
export const NATIVE_ERRORS = defineErrors({
  ERR_INVALID_ARG_VALUE: {
    message: 'an argument has an invalid value',
    hint: 'The message names the option, the value received and what was expected.',
    exitCode: 1,
  },
  ERR_HOLDFAST_NATIVE_MISSING: {
    message: 'the addon or holdfast-exec is missing or does not load on this machine',
    hint: 'Install a C++ compiler, make and python3, then run `npm rebuild @holdfast/native` (node-gyp-build builds it from source); prebuilds ship for linux-x64.',
    exitCode: 1,
  },
});

/** The error class for this package's own codes (ERR_HOLDFAST_NATIVE_MISSING). */
export const HoldfastNativeError = defineErrorClass('HoldfastNativeError', NATIVE_ERRORS);

/** A system error from a native wrapper, shaped like Node's `NodeJS.ErrnoException` from `net`. */
export interface NativeSystemError extends Error {
  /** 'EADDRINUSE', 'EBADF', ... */
  code: string;
  /** Negative errno, as Node reports it (-98 for EADDRINUSE). */
  errno: number;
  syscall: string;
  /** inet: the numeric host; unix: the path ('@name' for abstract). */
  address?: string;
  port?: number;
  /** The socket's name in the holder's spec, when one was given. */
  socketName?: string;
}

/** Where the failing call pointed, for the message and the error's properties. */
export interface ErrorTarget {
  address?: string;
  port?: number;
  /** Socket name from the spec: appended as ` (socket "name")`. */
  name?: string;
  /** For calls on an fd without an address (close, fcntl): appended as ` fd <n>`. */
  fd?: number;
}

/** Name of a negative errno ('EADDRINUSE'), or 'Unknown system error -N'. */
function errnoName(errno: number): string {
  try {
    return getSystemErrorName(errno);
  } catch {
    return `Unknown system error ${errno}`;
  }
}

/**
 * Builds a Node-shaped system error from a negative errno returned by the addon.
 * @param errno negative errno (e.g. -98)
 * @param syscall the syscall that failed ('socket' | 'setsockopt' | 'bind' | 'listen' | 'sendmsg' | ...)
 */
export function systemError(errno: number, syscall: string, target: ErrorTarget = {}): NativeSystemError {
  const code = errnoName(errno);
  let details = '';
  if (target.address !== undefined && target.port !== undefined) details = ` ${target.address}:${target.port}`;
  else if (target.address !== undefined) details = ` ${target.address}`;
  else if (target.fd !== undefined) details = ` fd ${target.fd}`;
  if (target.name !== undefined) details += ` (socket ${JSON.stringify(target.name)})`;
  const err = new Error(`${syscall} ${code}${details}`) as NativeSystemError;
  err.code = code;
  err.errno = errno;
  err.syscall = syscall;
  if (target.address !== undefined) err.address = target.address;
  if (target.port !== undefined) err.port = target.port;
  if (target.name !== undefined) err.socketName = target.name;
  Error.captureStackTrace(err, systemError);
  return err;
}

/** Throws `systemError` if `r` is a negative errno; returns `r` otherwise. */
export function check(r: number, syscall: string, target?: ErrorTarget): number {
  if (r < 0) throw systemError(r, syscall, target);
  return r;
}

/** A TypeError with code 'ERR_INVALID_ARG_VALUE'. */
export interface InvalidArgError extends TypeError {
  code: 'ERR_INVALID_ARG_VALUE';
}

/**
 * Validation failure at the edge: `The option "port" of openSocket must be an integer 0..65535. Received 70000`.
 * @param where the function (e.g. 'openSocket')
 * @param option the option or argument name ('port', 'host', 'fd')
 */
export function invalidArg(where: string, option: string, value: unknown, expected: string): InvalidArgError {
  const err = new TypeError(
    `The option "${option}" of ${where} must be ${expected}. Received ${inspect(value)}`,
  ) as InvalidArgError;
  err.code = 'ERR_INVALID_ARG_VALUE';
  Error.captureStackTrace(err, invalidArg);
  return err;
}

/** Validates an fd argument: a non-negative integer. Throws ERR_INVALID_ARG_VALUE. */
export function assertFd(where: string, fd: unknown, option = 'fd'): asserts fd is number {
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) {
    throw invalidArg(where, option, fd, 'a non-negative integer file descriptor');
  }
}
