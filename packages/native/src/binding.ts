/**
 * Loads the compiled addon (a source build in build/Release/, else the prebuild for this platform, see
 * prebuilds.ts) and types its raw surface.
 *
 * Raw convention: every function returns its result or a negative errno (a plain number);
 * `notifySend` returns `{ errno, syscall }` because it runs several syscalls. Nothing here throws
 * for an OS error: src/errors.ts turns the numbers into Node-shaped errors.
 * Works the same from src/ (vitest) and dist/ (compiled): both sit one level below the package root.
 */
import { createRequire } from 'node:module';
import { locateAddon, nativeMissing } from './prebuilds.js';

/** Result of a wrapper: the value, or a negative errno. */
export type Raw<T> = T | number;

/** What `inspect` returns before TypeScript names things. */
export interface RawFdInfo {
  /** st_mode & S_IFMT. */
  mode: number;
  cloexec: boolean;
  domain?: number;
  type?: number;
  acceptconn?: boolean;
  rcvbuf?: number;
  sndbuf?: number;
  address?: string;
  port?: number;
  /** sun_path bytes as the kernel returned them (leading NUL = abstract). */
  pathBytes?: Buffer;
  /** fcntl(F_GETFL). */
  flags?: number;
  ino?: number;
  dev?: number;
  /** SO_PROTOCOL. */
  protocol?: number;
  /** netlink getsockname. */
  nlPid?: number;
  nlGroups?: number;
}

/** mq_getattr(3). */
export interface RawMqAttr {
  flags: number;
  maxmsg: number;
  msgsize: number;
  curmsgs: number;
}

/** A failed multi-step call: which syscall failed and its negative errno. */
export interface RawFailure {
  errno: number;
  syscall: string;
}

/** Watches a nonblocking datagram fd on Node's libuv loop; see NotifySocket. Does not own the fd. */
export interface RawNotifyPoller {
  /** uv_poll_start(UV_READABLE); 0 or a negative uv error. Pins the JS object while polling. */
  start(): number;
  ref(): void;
  unref(): void;
  /** uv_close; afterwards the fd may be closed. Idempotent. */
  close(): void;
}

export interface NativeBinding {
  constants: Record<
    | 'AF_INET' | 'AF_INET6' | 'AF_UNIX' | 'AF_NETLINK'
    | 'SOCK_STREAM' | 'SOCK_DGRAM' | 'SOCK_SEQPACKET' | 'SOCK_RAW'
    | 'SOL_SOCKET' | 'SO_REUSEADDR' | 'SO_RCVBUF' | 'SO_SNDBUF' | 'SO_PASSCRED'
    | 'IPPROTO_IPV6' | 'IPV6_V6ONLY'
    | 'IPPROTO_IP' | 'IPPROTO_TCP' | 'IP_FREEBIND' | 'IP_TRANSPARENT' | 'IPV6_TRANSPARENT' | 'IPV6_FREEBIND'
    | 'SO_KEEPALIVE' | 'TCP_KEEPIDLE' | 'TCP_KEEPINTVL' | 'TCP_KEEPCNT' | 'TCP_NODELAY' | 'TCP_DEFER_ACCEPT'
    | 'SO_RCVBUFFORCE' | 'SO_SNDBUFFORCE' | 'SO_MARK' | 'SO_BROADCAST'
    | 'O_RDONLY' | 'O_WRONLY' | 'O_RDWR' | 'O_CREAT' | 'O_EXCL' | 'O_NONBLOCK' | 'O_ACCMODE'
    | 'S_IFSOCK' | 'S_IFIFO' | 'S_IFREG' | 'S_IFCHR' | 'S_IFBLK' | 'S_IFDIR',
    number
  >;
  /** socket(2) with SOCK_CLOEXEC (and SOCK_NONBLOCK if asked). */
  socket(domain: number, type: number, nonblock?: boolean, protocol?: number): number;
  /** bind(2) a netlink socket to port id (0 = kernel assigns) and multicast group mask. */
  bindNetlink(fd: number, portId: number, groups: number): number;
  /** connect(2) to a unix address (sun_path bytes as for bindUnix). */
  connectUnix(fd: number, addr: Buffer): number;
  mkfifo(path: string, mode: number): number;
  /** mq_open(3); maxmsg/msgsize 0 = kernel defaults. The fd is close-on-exec. */
  mqOpen(name: string, oflag: number, mode: number, maxmsg: number, msgsize: number): number;
  mqUnlink(name: string): number;
  mqGetattr(fd: number): Raw<RawMqAttr>;
  setsockoptInt(fd: number, level: number, name: number, value: number): number;
  getsockoptInt(fd: number, level: number, name: number): number;
  /** host must be numeric; -EINVAL otherwise. */
  bindInet(fd: number, family: number, host: string, port: number): number;
  /** addr: the sun_path bytes ("path\0" or "\0abstract"), at most 108. */
  bindUnix(fd: number, addr: Buffer): number;
  listen(fd: number, backlog: number): number;
  close(fd: number): number;
  /** 1, 0 or -errno. */
  getCloexec(fd: number): number;
  setCloexec(fd: number, on: boolean): number;
  /** fcntl(F_DUPFD_CLOEXEC). */
  dupCloexec(fd: number, minFd: number): number;
  inspect(fd: number): Raw<RawFdInfo>;
  peerCred(fd: number): Raw<{ pid: number; uid: number; gid: number }>;
  notifySend(addr: Buffer, payload: Buffer, fds: number[], nonblocking?: boolean): 0 | RawFailure;
  /** waitpid(pid, WNOHANG): pid when reaped, 0 while it runs, -errno. */
  reapChild(pid: number): number;
  /** Start the parent-death guard thread; 0, or -ESRCH if the parent is already gone (the deadline then runs from now). */
  armParentDeathGuard(parentPid: number, graceMs: number): number;
  /** Threads of `pid` moved from SCHED_IDLE to SCHED_OTHER, or -errno. */
  setSchedOther(pid: number): number;
  /** 0 if a thread of this process can leave SCHED_IDLE, else -errno. */
  probeSchedIdle(): number;
  /** prctl(PR_SET_CHILD_SUBREAPER, on). */
  setChildSubreaper(on: boolean): number;
  NotifyPoller: new (
    fd: number,
    cb: (pid: number, uid: number, gid: number, data: Buffer, fds: number[]) => void,
  ) => RawNotifyPoller;
}

const require = createRequire(import.meta.url);

/** Absolute path of the addon that was loaded (build/Release/holdfast_native.node or a prebuild). */
export const addonPath: string = locateAddon();

function load(): NativeBinding {
  try {
    return require(addonPath) as NativeBinding;
  } catch (cause) {
    // dlopen failed: a truncated file, another C library (a glibc build on musl), another architecture.
    throw nativeMissing('the addon', `loading ${addonPath} failed (${(cause as Error).message.split('\n')[0]})`, cause);
  }
}

/** The loaded addon. @throws ERR_HOLDFAST_NATIVE_MISSING at import when no usable binary exists. */
export const native: NativeBinding = load();
