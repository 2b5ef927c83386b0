/**
 * The only place this package touches `@holdfast/native`. The protocol's names and parsers (and randomHex) come from its pure
 * module (`@holdfast/native/protocol`: no binary, any OS), so the worker side reads LISTEN_* exactly as the holder
 * writes them. The addon (fd inspection and close-on-exec for inherited fds, the AF_UNIX datagrams of sd_notify
 * and of the connection hand-over, the parent-death guard, the fd checks) is loaded only when needed, by loadNative(): a process with no inherited
 * fds, no NOTIFY_SOCKET and no holder (standalone, on any OS) never loads it, and serve() binds its fallback
 * address with no native code at all.
 *
 * The load is synchronous (listenFds() and notify() are) through require() of an ES module, which Node supports
 * from 20.19 on (this package's engines).
 */
import { createRequire } from 'node:module';
import type * as NativeModule from '@holdfast/native';
import { HoldfastAdapterError } from './errors.js';

export {
  describeInvalidListenEnv, parseListenEnv, unsetListenEnv, SD_LISTEN_FDS_START, DEFAULT_BACKLOG, ENV, HOLDFAST_ENV, HOLDFAST_NOTIFY,
  HANDOVER_ACK, HANDOVER_ADDRESS_PREFIX, HANDOVER_ADOPTED, HANDOVER_ANNOUNCE, HANDOVER_DELIVER, HANDOVER_MAX_FDS,
  HANDOVER_MAX_PAYLOAD_BYTES, HANDOVER_OFFER, HANDOVER_REASON, HANDOVER_REFUSED, HANDOVER_REPLY_TIMEOUT_MS, PROMOTE_MESSAGE,
  parseHandoverBatch, type HandoverBatch,
} from '@holdfast/native/protocol';
export { randomHex } from '@holdfast/native/random-id';
export type { FdInfo, FdExpectation, NotifyMessage } from '@holdfast/native';

/** What the adapter uses of the addon side of @holdfast/native. */
export type NativeApi = Pick<typeof NativeModule,
  'inspectFd' | 'setCloexec' | 'notifySend' | 'armParentDeathGuard' | 'fdMismatch' | 'describeFd' | 'describeExpectation' |
  'closeFd' | 'NotifySocket'>;

const require = createRequire(import.meta.url);
let loaded: NativeApi | undefined;

/**
 * Load @holdfast/native (its addon) on first use; later calls return the same module. `why` names what needs it,
 * for the error: 'LISTEN_FDS=2 (inherited sockets)', 'NOTIFY_SOCKET=/run/x (sd_notify)'.
 *
 * @throws HoldfastAdapterError 'ERR_HOLDFAST_NATIVE_MISSING' when the addon cannot be loaded on this machine
 *   (no prebuild and no build from source, not Linux, a corrupt file); `cause` is the loader's error.
 */
export function loadNative(why = 'an inherited fd'): NativeApi {
  if (loaded) return loaded;
  try {
    loaded = require('@holdfast/native') as NativeApi;
    return loaded;
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    const detail = code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND' ? '@holdfast/native is not installed' : String((cause as Error)?.message ?? cause);
    throw new HoldfastAdapterError('ERR_HOLDFAST_NATIVE_MISSING', `${why} needs the @holdfast/native addon on ${process.platform}-${process.arch}, which cannot be loaded: ${detail}`, { cause });
  }
}

/** Whether this process has loaded the addon (tests and diagnostics). */
export function nativeLoaded(): boolean {
  return loaded !== undefined;
}
