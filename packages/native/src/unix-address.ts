/**
 * AF_UNIX addresses as unix(7) defines them, in holdfast's string form:
 * a filesystem path ('/run/app.sock'), or '@name' for the Linux abstract namespace
 * (sun_path starts with a NUL byte and the name is exactly the bytes that follow; no terminator).
 */
import { invalidArg } from './errors.js';
import { MAX_UNIX_PATH_BYTES } from './protocol.js';

/**
 * Validates a unix socket address and returns the sun_path bytes the addon binds/sends to:
 * `path\0` for a filesystem path, `\0name` for '@name'.
 * Throws TypeError ERR_INVALID_ARG_VALUE (naming `option` of `where`) when the path is not a non-empty
 * string, contains a NUL byte, is '@' alone, or is longer than 107 bytes (UTF-8).
 */
export function encodeUnixAddress(where: string, option: string, path: unknown): Buffer {
  if (typeof path !== 'string' || path.length === 0) {
    throw invalidArg(where, option, path, "a non-empty filesystem path or '@name' (abstract)");
  }
  if (path.includes('\0')) throw invalidArg(where, option, path, 'a path without NUL bytes');
  const abstract = path.startsWith('@');
  const name = Buffer.from(abstract ? path.slice(1) : path, 'utf8');
  if (abstract && name.length === 0) throw invalidArg(where, option, path, "a non-empty abstract name after '@'");
  if (name.length > MAX_UNIX_PATH_BYTES) {
    throw invalidArg(
      where,
      option,
      path,
      `at most ${MAX_UNIX_PATH_BYTES} bytes long (unix(7) sun_path), got ${name.length} bytes`,
    );
  }
  const zero = Buffer.alloc(1);
  return abstract ? Buffer.concat([zero, name]) : Buffer.concat([name, zero]);
}

/** True for '@name' addresses (abstract namespace: nothing on disk to unlink). */
export function isAbstract(path: string): boolean {
  return path.startsWith('@');
}

/** Decodes sun_path bytes from getsockname: '' (unnamed), '@name' (abstract) or the filesystem path. */
export function decodeUnixAddress(bytes: Buffer): string {
  if (bytes.length === 0) return '';
  if (bytes[0] === 0) return `@${bytes.subarray(1).toString('utf8')}`;
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end === -1 ? bytes.length : end).toString('utf8');
}
