/**
 * Shapes shared by the native socket layer and its callers.
 * All sizes are in bytes; all fds are plain integers owned by the caller once returned.
 */

/** Address family of a socket, as `socket(2)` names them (AF_INET, AF_INET6, AF_UNIX, AF_NETLINK). */
export type SocketFamily = 'inet' | 'inet6' | 'unix' | 'netlink';

/** Socket type, as `socket(2)` names them (SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_RAW). */
export type SocketType = 'stream' | 'dgram' | 'seqpacket' | 'raw';

/** What to open: one socket, bound and (for stream/seqpacket) listening, close-on-exec. */
export interface OpenSocketOptions {
  family: 'inet' | 'inet6' | 'unix';
  type: 'stream' | 'dgram' | 'seqpacket';
  /** inet/inet6: numeric address ('0.0.0.0', '127.0.0.1', '::', '::1'). */
  host?: string;
  /** inet/inet6: port, 0..65535 (0 = kernel picks; read it back with inspectFd). */
  port?: number;
  /** unix: filesystem path, or '@name' for the Linux abstract namespace. */
  path?: string;
  /** listen(2) backlog for stream/seqpacket sockets. Default 4096 (the kernel caps it at net.core.somaxconn). */
  backlog?: number;
  /** inet6 only: IPV6_V6ONLY. Default true. */
  v6only?: boolean;
  /** SO_REUSEADDR on inet stream sockets (not SO_REUSEPORT: never a twin socket). Default true. */
  reuseAddr?: boolean;
  /** SO_RCVBUF in bytes (the kernel doubles it for bookkeeping). Unset = kernel default. */
  receiveBuffer?: number;
  /** SO_SNDBUF in bytes. Unset = kernel default. */
  sendBuffer?: number;
  /** SO_PASSCRED (unix only). Default false. */
  passCredentials?: boolean;
}

/** What `inspectFd` learns about an fd with fstat(2), getsockopt(2) and getsockname(2). */
export interface FdInfo {
  /** 'socket' for sockets; otherwise what fstat says. */
  kind: 'socket' | 'fifo' | 'file' | 'char' | 'block' | 'dir' | 'other';
  family?: SocketFamily | 'other';
  type?: SocketType | 'other';
  /** SO_ACCEPTCONN. */
  listening?: boolean;
  /** inet/inet6 local address and port. */
  address?: string;
  port?: number;
  /** unix local path ('@name' for abstract, '' for unnamed). */
  path?: string;
  /** FD_CLOEXEC is set. */
  cloexec: boolean;
}

/** One sd_notify datagram received on the notify socket, with SCM_CREDENTIALS of its sender. */
export interface NotifyMessage {
  /** Sender's pid, uid and gid as the kernel vouches for them (SO_PASSCRED). pid is 0 if no credentials came. */
  pid: number;
  uid: number;
  gid: number;
  /** The datagram's payload, e.g. 'READY=1\nSTATUS=serving'. */
  data: Buffer;
  /** fds passed with SCM_RIGHTS (FDSTORE=1); the receiver owns them and must close what it does not keep. */
  fds: number[];
}

/** SO_PEERCRED of a connected unix socket. */
export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
}
