/**
 * The worker's end of the connection hand-over (protocol: @holdfast/native's handover-protocol.ts).
 *
 * Under a holdfast holder (NOTIFY_SOCKET and HOLDFAST_HOLDER_PID set) the worker binds its own AF_UNIX datagram
 * receiver in the abstract namespace and announces it (X_HOLDFAST_ADOPT=<address>, sd_notify(3) style) before
 * READY=1; the holder answers X_HOLDFAST_ADOPT_ACK=1 (a holder that does not relay hand-overs never gets an offer,
 * so its workers drain as before without waiting for a verdict). On it the worker
 * - as a successor, adopts the connections its holder forwards (each on its own server for that socket name)
 *   and confirms (X_HOLDFAST_ADOPTED) or refuses (X_HOLDFAST_REFUSED) on its notify channel;
 * - as a draining worker, receives the holder's verdict on the batches it offered.
 * Only datagrams whose sender the kernel vouches is the holder (SCM_CREDENTIALS) are read; fds from anyone else
 * are closed unread.
 */
import { holderPid } from './holder-guard.js';
import {
  ENV, HANDOVER_ACK, HANDOVER_ADDRESS_PREFIX, HANDOVER_ADOPTED, HANDOVER_ANNOUNCE, HANDOVER_DELIVER, HANDOVER_MAX_FDS,
  HANDOVER_MAX_PAYLOAD_BYTES, HANDOVER_OFFER, HANDOVER_REASON, HANDOVER_REFUSED, HANDOVER_REPLY_TIMEOUT_MS, PROMOTE_MESSAGE,
  HOLDFAST_ENV, loadNative, parseHandoverBatch, randomHex, type HandoverBatch, type NotifyMessage,
} from './native.js';
import { notifyQuietly } from './notify.js';

/** Adopts one connection on the successor's server for a socket name; `state` from the raw net hook. Throws to
 * refuse, and then only before it took ownership of the fd (the channel closes it). */
export type Adopter = (fd: number, state: unknown) => void;

/** One connection offered: its fd and, for the raw net hook, its serialisable state. */
export interface Offered {
  fd: number;
  state?: unknown;
}

function fields(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of data.toString('utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return out;
}

/** The addon: a channel exists only under a holder, where the adapter loads it anyway. */
const native = (): ReturnType<typeof loadNative> => loadNative('the connection hand-over');

function closeAll(fds: number[]): void {
  for (const fd of fds) { try { native().closeFd(fd); } catch { /* already closed */ } }
}

export class HandoverChannel {
  readonly address = `${HANDOVER_ADDRESS_PREFIX}${process.pid}/${randomHex(6)}`;
  private readonly socket = native().NotifySocket.bind(this.address);
  private readonly adopters = new Map<string, Adopter>();
  private readonly waiting = new Map<string, (ok: boolean) => void>();
  private seq = 0;
  private announced = false;
  private promote: (() => void) | null = null;
  /** The holder acknowledged the announcement: it relays hand-overs. */
  private relayed = false;

  constructor(private readonly holder: number) {
    this.socket.onMessage((msg) => this.onMessage(msg));
    this.socket.unref();
  }

  /** Adopt connections for socket `name` from now on, and announce (once) that this worker can. */
  addAdopter(name: string, adopter: Adopter): void {
    this.adopters.set(name, adopter);
    if (!this.announced) this.announced = notifyQuietly(`${HANDOVER_ANNOUNCE}=${this.address}`);
  }

  /**
   * A warm standby: run `promote` when the holder sends PROMOTE_MESSAGE (once), and announce (once) this receiver so
   * that the holder promotes with a message, not with PROMOTE_SIGNAL, which the app may handle itself.
   */
  onPromote(promote: () => void): void {
    this.promote = promote;
    if (!this.announced) this.announced = notifyQuietly(`${HANDOVER_ANNOUNCE}=${this.address}`);
  }

  /** Stop adopting for `name` (its server drains): later batches for it are refused. */
  removeAdopter(name: string): void {
    this.adopters.delete(name);
  }

  /**
   * Offer connections accepted on socket `name` to the next generation, in batches (at most 253 fds and
   * 4000 payload bytes each). Our copies stay open: release them only where the result is true.
   * @returns per connection (same order): true = adopted by the successor; false = refused, unanswered
   *   within HANDOVER_REPLY_TIMEOUT_MS, or not sendable (then keep draining it here).
   */
  async offer(name: string, items: Offered[]): Promise<boolean[]> {
    const results: Promise<boolean[]>[] = [];
    let batch: Offered[] = [];
    const flush = (): void => {
      if (batch.length === 0) return;
      const b = batch;
      batch = [];
      results.push(this.offerBatch(name, b).then((ok) => b.map(() => ok)));
    };
    for (const item of items) {
      const withState = item.state === undefined ? batch : [...batch, item];
      if (batch.length >= HANDOVER_MAX_FDS || (item.state !== undefined && this.payload(name, withState).length > HANDOVER_MAX_PAYLOAD_BYTES)) flush();
      if (item.state !== undefined && this.payload(name, [item]).length > HANDOVER_MAX_PAYLOAD_BYTES) {
        results.push(Promise.resolve([false])); // its state alone is too large: keep it
        continue;
      }
      batch.push(item);
    }
    flush();
    return (await Promise.all(results)).flat();
  }

  private payload(name: string, items: Offered[], id = 'x-00000000'): string {
    const batch: HandoverBatch = { id, name, count: items.length };
    if (items.some((i) => i.state !== undefined)) batch.states = items.map((i) => i.state ?? null);
    return `${HANDOVER_OFFER}=${JSON.stringify(batch)}`;
  }

  private offerBatch(name: string, items: Offered[]): Promise<boolean> {
    const socketPath = process.env[ENV.NOTIFY_SOCKET];
    if (!socketPath || !this.relayed) return Promise.resolve(false);
    const id = `${process.pid}-${++this.seq}`;
    return new Promise((resolve) => {
      // Ref'd: a paused connection keeps no handle active, and the process must not exit before the verdict.
      const timer = setTimeout(() => done(false), HANDOVER_REPLY_TIMEOUT_MS);
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.waiting.delete(id);
        if (this.waiting.size === 0) this.socket.unref();
        resolve(ok);
      };
      this.waiting.set(id, done);
      this.socket.ref();
      try {
        native().notifySend(socketPath, this.payload(name, items, id), items.map((i) => i.fd));
      } catch (error) {
        console.error(JSON.stringify({ holdfast: 'handover-failed', name, error: String((error as Error)?.message ?? error) }));
        done(false);
      }
    });
  }

  private onMessage(msg: NotifyMessage): void {
    if (msg.pid !== this.holder) {
      closeAll(msg.fds);
      return;
    }
    const f = fields(msg.data);
    if (f.get(HANDOVER_ACK) === '1') this.relayed = true;
    if (f.get(PROMOTE_MESSAGE) === '1') {
      closeAll(msg.fds);
      const promote = this.promote;
      this.promote = null;
      promote?.();
      return;
    }
    const verdict = f.get(HANDOVER_ADOPTED) ?? f.get(HANDOVER_REFUSED);
    if (verdict !== undefined) {
      closeAll(msg.fds);
      this.waiting.get(verdict)?.(f.has(HANDOVER_ADOPTED));
      return;
    }
    if (f.has(HANDOVER_DELIVER)) this.adopt(parseHandoverBatch(f.get(HANDOVER_DELIVER)), msg.fds);
    else closeAll(msg.fds);
  }

  /** Successor side: adopt every connection of a forwarded batch, then confirm; or refuse it whole. */
  private adopt(batch: HandoverBatch | undefined, fds: number[]): void {
    const adopter = batch && this.adopters.get(batch.name);
    if (!batch || !adopter || batch.count !== fds.length) {
      closeAll(fds);
      if (batch) notifyQuietly(`${HANDOVER_REFUSED}=${batch.id}\n${HANDOVER_REASON}=${adopter ? 'fd count mismatch' : `pid ${process.pid} adopts no connections for "${batch.name}"`}`);
      return;
    }
    // Confirmed even if one adoption throws: the others are ours now, and two readers on one connection must never be.
    fds.forEach((fd, i) => {
      try {
        adopter(fd, batch.states?.[i]);
      } catch (error) {
        closeAll([fd]);
        console.error(JSON.stringify({ holdfast: 'adopt-failed', name: batch.name, error: String((error as Error)?.message ?? error) }));
      }
    });
    notifyQuietly(`${HANDOVER_ADOPTED}=${batch.id}`);
  }
}

let channel: HandoverChannel | null | undefined;

/**
 * The process's hand-over channel, created on first use; null when the worker was not started by a holdfast
 * holder (no NOTIFY_SOCKET or HOLDFAST_HOLDER_PID), when `HOLDFAST_HANDOVER=0`, or when the receiver cannot be bound.
 */
export function handoverChannel(): HandoverChannel | null {
  if (channel !== undefined) return channel;
  const holder = holderPid();
  if (!process.env[ENV.NOTIFY_SOCKET] || holder === 0 || process.env[HOLDFAST_ENV.HANDOVER] === '0') return (channel = null);
  try {
    channel = new HandoverChannel(holder);
  } catch (error) {
    console.error(JSON.stringify({ holdfast: 'warning', message: `connection hand-over disabled: ${String((error as Error)?.message ?? error)}` }));
    channel = null;
  }
  return channel;
}
