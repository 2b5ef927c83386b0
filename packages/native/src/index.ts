/**
 * @holdfast/native: the few syscalls Node lacks, as thin C++ wrappers with the policy in TypeScript.
 *
 * Invariants this package enforces:
 * - Every fd it creates is close-on-exec (SOCK_CLOEXEC, F_DUPFD_CLOEXEC, MSG_CMSG_CLOEXEC): a child gets
 *   only the fds its spawner places at 3.. on purpose (holdfast invariant 6).
 * - openSocket binds and listens but never accepts: connections wait in the accept queue and datagrams in
 *   the receive buffer until a worker takes them (invariant 1). No SO_REUSEPORT, ever (invariant 2).
 * - OS failures are thrown as Node-shaped errors (`code`, negative `errno`, `syscall`, `address`, `port`),
 *   after closing whatever the failing call had opened; bad arguments are TypeErrors with code
 *   ERR_INVALID_ARG_VALUE, thrown before any syscall.
 * - The notify socket is read on Node's own event loop, never by polling or blocking it.
 */
export * from './types.js';
export { systemError, NATIVE_ERRORS, HoldfastNativeError, type NativeSystemError, type InvalidArgError } from './errors.js';
export { openSocket } from './sockets.js';
export {
  SD_LISTEN_FDS_START, MAX_UNIX_PATH_BYTES, ENV, HOLDFAST_ENV, HOLDFAST_NOTIFY, DEFAULT_BACKLOG, PER_PROCESS_ENV, parseListenEnv, unsetListenEnv,
  describeInvalidListenEnv, type ListenEnv, type ListenEnvFd,
} from './protocol.js';
export * from './handover-protocol.js';
export {
  fdMismatch, describeFd, describeExpectation, isSocket, isSocketInet, isSocketUnix, isFifo, isSpecial, isMessageQueue,
  type FdExpectation, type FamilyExpectation,
} from './fd-check.js';
export { closeFd, setCloexec, dupFd, inspectFd, peerCredentials, type FdInfoDetailed } from './fd.js';
export { notifySend, NotifySocket, type NotifySocketOptions } from './notify.js';
export { execHelperPath, resolveExecHelper } from './exec-helper.js';
export { addonPath } from './binding.js';
export { randomHex } from './random-id.js';
export { type NativeMissingError } from './prebuilds.js';
export { openFifo, openSpecial, openMessageQueue, unlinkMessageQueue, messageQueueAttributes, probeUnixPath } from './special.js';
export { armParentDeathGuard, probeSchedIdle, reapChild, setChildSubreaper, setSchedOther } from './process.js';
export {
  CodedError, defineErrors, defineErrorClass, emitCodedWarning, type CodedErrorClass, type CodedErrorJSON, type ErrorDefinition, type ErrorRegistry,
  type WarningDefinition,
} from './coded-error.js';
