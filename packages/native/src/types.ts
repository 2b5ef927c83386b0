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
  family: 'inet' | 'inet6' | 'unix' | 'netlink';
  /** netlink sockets are 'raw' (or 'dgram', which the kernel treats the same). */
  type: 'stream' | 'dgram' | 'seqpacket' | 'raw';
  /** netlink: the protocol family number (NETLINK_ROUTE = 0, NETLINK_KOBJECT_UEVENT = 15, ...). */
  protocol?: number;
  /** netlink: the multicast group mask bound in nl_groups (as systemd's ListenNetlink= "family group"). */
  groups?: number;
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
  /** Use SO_RCVBUFFORCE/SO_SNDBUFFORCE (CAP_NET_ADMIN: not capped by net.core.rmem_max/wmem_max). Default false. */
  forceBuffers?: boolean;
  /** inet/inet6: IP_FREEBIND / IPV6_FREEBIND (bind an address not (yet) configured). */
  freeBind?: boolean;
  /** inet/inet6: IP_TRANSPARENT / IPV6_TRANSPARENT (needs CAP_NET_ADMIN). */
  transparent?: boolean;
  /** inet/inet6 stream: SO_KEEPALIVE. */
  keepAlive?: boolean;
  /** TCP_KEEPIDLE seconds. */
  keepAliveTime?: number;
  /** TCP_KEEPINTVL seconds. */
  keepAliveInterval?: number;
  /** TCP_KEEPCNT probes. */
  keepAliveCount?: number;
  /** TCP_NODELAY. */
  noDelay?: boolean;
  /** TCP_DEFER_ACCEPT seconds. */
  deferAccept?: number;
  /** SO_MARK (needs CAP_NET_ADMIN). */
  mark?: number;
  /** unix path: the socket file's mode, applied through the umask at bind(2) time and chmod(2) after. */
  mode?: number;
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
  /** netlink: SO_PROTOCOL (the netlink family number), bound port id and multicast groups. */
  protocol?: number;
  netlinkPortId?: number;
  netlinkGroups?: number;
  /** fcntl(F_GETFL) & O_ACCMODE: 'read', 'write' or 'read-write'. */
  access?: 'read' | 'write' | 'read-write';
  /** st_dev / st_ino of what the fd refers to. */
  dev?: number;
  ino?: number;
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
