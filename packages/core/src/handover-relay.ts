/**
 * The holder's part of the connection hand-over (protocol: @holdfast/native's handover-protocol.ts): a draining
 * worker offers a batch of established connections (fds, SCM_RIGHTS) on its notify channel; the relay checks the
 * sender is one of its workers and is being drained, picks the ready worker that replaced it (same slot first,
 * so rolling reloads and --workers N pair each old worker with its own successor), forwards the fds to the
 * address that successor announced, and routes the successor's ADOPTED/REFUSED back to the offering worker.
 *
 * The relay refuses (the old worker then drains those connections itself) when no ready successor announced it
 * can adopt (`holdfast stop`, a crash-restart, a successor that is not a holdfast adapter), when the batch is
 * malformed, or when the successor's receive queue is full. It never blocks on a worker (MSG_DONTWAIT) and keeps
 * no fd: its copies are closed as soon as the datagram is sent.
 */
import {
  closeFd, HANDOVER_ACK, HANDOVER_ADOPTED, HANDOVER_DELIVER, HANDOVER_REASON, HANDOVER_REFUSED, HANDOVER_REPLY_TIMEOUT_MS,
  notifySend, parseHandoverBatch,
} from '@holdfast/native';
import type { Logger } from 'pino';
import { logWarning } from './warnings.js';
import type { Worker } from './worker.js';

interface Pending {
  from: Worker;
  to: Worker;
  timer: NodeJS.Timeout;
}

/** Totals since the holder started (for logs and tests). */
export interface HandoverCounts {
  /** Connections forwarded to a successor and confirmed adopted. */
  adopted: number;
  /** Connections offered and refused (no successor, successor refused, or could not be reached). */
  refused: number;
}

export class HandoverRelay {
  private readonly pending = new Map<string, Pending>();
  /** Connections per pending batch id, for the counts. */
  private readonly sizes = new Map<string, number>();
  readonly counts: HandoverCounts = { adopted: 0, refused: 0 };

  /** `workers`: every live worker the holder started (the notify hub's table). */
  constructor(private readonly workers: () => Iterable<Worker>, private readonly log: Logger) {}

  /**
   * The worker that replaced `old`: ready, serving (never a warm standby, which accepts nothing until promoted),
   * announced X_HOLDFAST_ADOPT, a newer generation; same slot preferred.
   */
  successorOf(old: Worker): Worker | undefined {
    const ready = [...this.workers()].filter((w) => w !== old && w.state === 'ready' && !w.standby && w.adoptAddress !== null && w.generation > old.generation);
    return ready.find((w) => w.slot === old.slot) ?? ready.sort((a, b) => b.generation - a.generation)[0];
  }

  /** `worker` announced it can adopt (X_HOLDFAST_ADOPT): tell it this holder relays hand-overs, so it may offer. */
  acknowledge(worker: Worker): void {
    this.send(worker, `${HANDOVER_ACK}=1`);
  }

  /**
   * A batch offered by `sender` (X_HOLDFAST_HANDOVER). Takes ownership of `fds`: they are forwarded (or not)
   * and closed before this returns.
   */
  offer(sender: Worker, value: string | undefined, fds: number[]): void {
    try {
      const batch = parseHandoverBatch(value);
      if (!batch || batch.count !== fds.length) {
        logWarning(this.log, 'WARN_HOLDFAST_BAD_HANDOVER', { pid: sender.pid, fds: fds.length, value: value?.slice(0, 200) }, 'malformed connection hand-over refused');
        if (batch) this.refuse(sender, batch.id, fds.length, 'malformed batch');
        return;
      }
      if (sender.state !== 'draining') return this.refuse(sender, batch.id, fds.length, 'the sender is not being drained');
      const to = this.successorOf(sender);
      if (!to) return this.refuse(sender, batch.id, fds.length, 'no ready successor can adopt connections');
      const payload = `${HANDOVER_DELIVER}=${JSON.stringify({ ...batch, from: sender.pid })}`;
      try {
        notifySend(to.adoptAddress!, payload, fds, { nonblocking: true });
      } catch (err) {
        return this.refuse(sender, batch.id, fds.length, `successor pid ${to.pid} unreachable: ${(err as Error).message}`);
      }
      const timer = setTimeout(() => this.settle(batch.id, false, 'no reply from the successor'), HANDOVER_REPLY_TIMEOUT_MS * 2);
      timer.unref();
      this.pending.set(batch.id, { from: sender, to, timer });
      this.sizes.set(batch.id, fds.length);
      this.log.debug({ pid: sender.pid, to: to.pid, id: batch.id, name: batch.name, connections: fds.length }, 'connections forwarded to the successor');
    } finally {
      for (const fd of fds) { try { closeFd(fd); } catch { /* already closed */ } }
    }
  }

  /**
   * A successor's reply (X_HOLDFAST_ADOPTED / X_HOLDFAST_REFUSED) to a forwarded batch, passed on to the worker
   * that offered it. @returns true when `fields` held a reply (handled or ignored), false otherwise.
   */
  reply(sender: Worker, fields: Map<string, string>): boolean {
    const adopted = fields.get(HANDOVER_ADOPTED);
    const refused = fields.get(HANDOVER_REFUSED);
    const id = adopted ?? refused;
    if (id === undefined) return false;
    const p = this.pending.get(id);
    if (!p || p.to !== sender) {
      logWarning(this.log, 'WARN_HOLDFAST_HANDOVER_UNKNOWN_BATCH', { pid: sender.pid, id }, 'hand-over reply for a batch this worker was not sent; ignored');
      return true;
    }
    this.settle(id, adopted !== undefined, fields.get(HANDOVER_REASON) ?? 'refused by the successor');
    return true;
  }

  private settle(id: string, ok: boolean, reason: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(id);
    const n = this.sizes.get(id) ?? 0;
    this.sizes.delete(id);
    if (ok) {
      this.counts.adopted += n;
      this.send(p.from, `${HANDOVER_ADOPTED}=${id}`);
    } else {
      this.refuse(p.from, id, n, reason);
    }
  }

  private refuse(to: Worker, id: string, connections: number, reason: string): void {
    this.counts.refused += connections;
    this.log.debug({ pid: to.pid, id, connections, reason }, 'connection hand-over refused');
    this.send(to, `${HANDOVER_REFUSED}=${id}\n${HANDOVER_REASON}=${reason.replace(/\n/g, ' ')}`);
  }

  /** A reply to an offering worker; it waits for it with a timeout, so a lost reply only slows its drain. */
  private send(to: Worker, payload: string): void {
    if (!to.adoptAddress || to.exitInfo) return;
    try {
      notifySend(to.adoptAddress, payload, [], { nonblocking: true });
    } catch (err) {
      this.log.debug({ pid: to.pid, err: (err as Error).message }, 'hand-over reply not delivered');
    }
  }
}
