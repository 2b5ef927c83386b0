/**
 * Short random names for the abstract AF_UNIX addresses of one process (the holder's NOTIFY_SOCKET, a worker's
 * hand-over receiver), read from the kernel's CSPRNG through /dev/urandom (random(4)).
 *
 * Not node:crypto: loading it initialises OpenSSL and some 20 modules, about 1-2 MiB of RSS and a few ms of
 * start-up in every holder and every worker, for 6 bytes. This module loads no addon and nothing but node:fs.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** The kernel's random source (random(4)); present on every Linux, containers included. */
const URANDOM = '/dev/urandom';

/**
 * `bytes` random bytes as lowercase hex (2 * bytes characters), e.g. randomHex(6) -> 'a3f09c11d27e'.
 * Reads /dev/urandom (opened close-on-exec, as Node opens every file); where it cannot be opened (a chroot
 * without /dev), falls back to the Web Crypto getRandomValues() Node exposes as globalThis.crypto.
 * @throws RangeError (code ERR_OUT_OF_RANGE) when `bytes` is not an integer from 1 to 65536.
 */
export function randomHex(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > 65536) {
    throw Object.assign(new RangeError(`randomHex: bytes must be an integer from 1 to 65536, got ${String(bytes)}`), { code: 'ERR_OUT_OF_RANGE' });
  }
  const buf = Buffer.alloc(bytes);
  let fd: number;
  try {
    fd = openSync(URANDOM, 'r');
  } catch {
    globalThis.crypto.getRandomValues(buf);
    return buf.toString('hex');
  }
  try {
    // random(4): reads of up to 256 bytes from /dev/urandom are never short; loop anyway.
    for (let off = 0; off < bytes;) {
      const n = readSync(fd, buf, off, bytes - off, null);
      if (n <= 0) throw new Error(`read ${URANDOM}: end of file after ${off} of ${bytes} bytes`);
      off += n;
    }
  } finally {
    closeSync(fd);
  }
  return buf.toString('hex');
}
