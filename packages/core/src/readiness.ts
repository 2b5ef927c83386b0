import { closeFd, HANDOVER_ANNOUNCE, HANDOVER_OFFER, NotifySocket, randomHex, type NotifyMessage } from '@holdfast/native';
import { HandoverRelay } from './handover-relay.js';
import type { Logger } from 'pino';
import { logWarning } from './warnings.js';
import { procStat } from './proc-stat.js';
import type { Worker } from './worker.js';

/**
 * Parse an sd_notify(3) datagram: newline-separated `KEY=VALUE` assignments. Lines without `=` are ignored.
 */
export function parseNotify(data: Buffer | string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of data.toString('utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return fields;
}

/** How long messages from an exited worker's pid are still routed to it, ms. */
const EXITED_GRACE_MS = 1000;

/**
 * The holder's NOTIFY_SOCKET: one AF_UNIX datagram socket in the abstract namespace (nothing to clean up after
 * a SIGKILL), with SO_PASSCRED so that each message carries its sender's pid as the kernel vouches for it.
 * A message counts only if its sender is one of our workers or a descendant of one; others are logged and
 * dropped (sd_notify(3) NotifyAccess=all semantics restricted to our own process trees).
 */
export class NotifyHub {
  readonly path: string;
  private readonly socket: NotifySocket;
  private readonly workers = new Map<number, Worker>();
  /** Routes connection hand-overs (X_HOLDFAST_HANDOVER) from a draining worker to its successor. */
  readonly handover: HandoverRelay;

  constructor(private readonly log: Logger) {
    this.handover = new HandoverRelay(() => this.workers.values(), log);
    this.path = `@holdfast/${process.pid}/${randomHex(6)}/notify`;
    this.socket = NotifySocket.bind(this.path);
    this.socket.onMessage((msg) => this.dispatch(msg));
  }

  /** Start routing messages from `worker.pid` (and its descendants) to it. */
  add(worker: Worker): void {
    this.workers.set(worker.pid, worker);
    // A worker's last message (the connections its drain deadline cut) can be read after its exit was seen:
    // keep routing its pid for a moment.
    void worker.exited.then(() => setTimeout(() => { if (this.workers.get(worker.pid) === worker) this.workers.delete(worker.pid); }, EXITED_GRACE_MS).unref());
  }

  private owner(pid: number): Worker | undefined {
    for (let p = pid, depth = 0; p > 1 && depth < 64; p = procStat(p)?.ppid ?? 0, depth++) {
      const w = this.workers.get(p);
      if (w) return w;
    }
    return undefined;
  }

  private dispatch(msg: NotifyMessage): void {
    const fields = parseNotify(msg.data);
    const worker = msg.pid > 0 ? this.owner(msg.pid) : undefined;
    if (worker && fields.has(HANDOVER_OFFER)) {
      // Connections a draining worker hands over: the relay owns (forwards, then closes) the fds.
      this.handover.offer(worker, fields.get(HANDOVER_OFFER), msg.fds);
      return;
    }
    // FDSTORE=1 is not supported yet: close what was passed so no fd leaks into the holder.
    for (const fd of msg.fds) { try { closeFd(fd); } catch { /* already closed */ } }
    if (worker && this.handover.reply(worker, fields)) return;
    if (!worker) {
      logWarning(this.log, 'WARN_HOLDFAST_FOREIGN_NOTIFY', { senderPid: msg.pid, uid: msg.uid, message: msg.data.toString('utf8').slice(0, 200) },
        'ignored sd_notify message from a process that is not one of our workers');
      return;
    }
    const mainPid = Number(fields.get('MAINPID'));
    if (fields.has('MAINPID') && !(mainPid > 1 && this.owner(mainPid) === worker)) {
      // The holder signals MAINPID at drain time: only a process of this worker's own tree may be named.
      logWarning(this.log, 'WARN_HOLDFAST_FOREIGN_MAINPID', { pid: worker.pid, mainPid: fields.get('MAINPID') }, 'ignored MAINPID= naming a process outside the worker\'s tree');
      fields.delete('MAINPID');
    }
    worker.handleNotify(fields);
    if (fields.has(HANDOVER_ANNOUNCE) && worker.adoptAddress) this.handover.acknowledge(worker);
  }

  close(): void {
    this.socket.close();
  }
}
