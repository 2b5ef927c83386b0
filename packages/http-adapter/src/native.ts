/**
 * The only place this package touches `@holdfast/native`: the calls Node lacks on the worker side (fd inspection,
 * close-on-exec, an AF_UNIX datagram for sd_notify) and the protocol's names and parsers (protocol.ts, fd-check.ts
 * of @holdfast/native), so that the worker side reads LISTEN_* exactly as the holder writes them.
 */
import { fdMismatch, describeExpectation, describeFd, inspectFd, notifySend, setCloexec } from '@holdfast/native';

export {
  describeInvalidListenEnv, parseListenEnv, unsetListenEnv, SD_LISTEN_FDS_START, DEFAULT_BACKLOG, ENV, HOLDFAST_ENV,
} from '@holdfast/native';
export type { FdInfo, FdExpectation } from '@holdfast/native';

/** The native calls, behind one object so call sites stay few. */
export const native = { inspectFd, setCloexec, notifySend, fdMismatch, describeFd, describeExpectation };
