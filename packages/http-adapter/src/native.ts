/**
 * The only place this package touches `@holdfast/native`: the three calls Node lacks on the worker side
 * (fd inspection, close-on-exec, an AF_UNIX datagram for sd_notify).
 */
import { inspectFd, notifySend, setCloexec } from '@holdfast/native';

export type { FdInfo } from '@holdfast/native';

/** inspectFd / setCloexec / notifySend of @holdfast/native, behind one object so call sites stay few. */
export const native = { inspectFd, setCloexec, notifySend };
