// The holder's hand-over relay with real datagram sockets and a real fd: who gets the fds, who gets the verdict,
// and every refusal (no successor, a sender that is not draining, a malformed batch, an unreachable successor).
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { closeFd, inspectFd, NotifySocket, openSocket, type NotifyMessage } from '@holdfast/native';
import { HandoverRelay } from '../src/handover-relay.js';
import type { Worker } from '../src/worker.js';

const sockets: NotifySocket[] = [];
afterEach(() => { for (const s of sockets.splice(0)) s.close(); });

/** A worker as the relay sees it, with a real receiver at its adopt address. */
function worker(pid: number, generation: number, state: Worker['state'], slot = 0): { w: Worker; inbox: NotifyMessage[] } {
  const adoptAddress = `@holdfast-adopt/test/${randomBytes(6).toString('hex')}`;
  const socket = NotifySocket.bind(adoptAddress);
  sockets.push(socket);
  const inbox: NotifyMessage[] = [];
  socket.onMessage((m) => inbox.push(m));
  return { w: { pid, generation, state, slot, adoptAddress, exitInfo: null } as unknown as Worker, inbox };
}

const tcpFd = (): number => openSocket({ family: 'inet', type: 'stream', host: '127.0.0.1', port: 0 }, 'http');
const batch = (id: string, count: number, name = 'http'): string => JSON.stringify({ id, name, count });
const text = (m: NotifyMessage): string => m.data.toString('utf8');
const until = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('HandoverRelay', () => {
  it('forwards the fds to the ready successor in the same slot and routes its ADOPTED back to the sender', async () => {
    const old = worker(100, 1, 'draining', 1);
    const otherSlot = worker(201, 2, 'ready', 0);
    const next = worker(202, 2, 'ready', 1);
    const relay = new HandoverRelay(() => [old.w, otherSlot.w, next.w], pino({ level: 'silent' }));
    const fd = tcpFd();
    const port = inspectFd(fd).port;
    relay.offer(old.w, batch('100-1', 1), [fd]);
    expect(() => inspectFd(fd)).toThrow(); // the relay keeps no copy
    await until(() => next.inbox.length > 0);
    expect(otherSlot.inbox).toEqual([]);
    const delivered = next.inbox[0]!;
    expect(JSON.parse(text(delivered).replace(/^X_HOLDFAST_ADOPT_FDS=/, ''))).toEqual({ id: '100-1', name: 'http', count: 1, from: 100 });
    expect(delivered.fds).toHaveLength(1);
    expect(inspectFd(delivered.fds[0]!).port).toBe(port); // the same socket, duplicated across processes
    closeFd(delivered.fds[0]!);
    expect(relay.reply(otherSlot.w, new Map([['X_HOLDFAST_ADOPTED', '100-1']]))).toBe(true); // not the worker it was sent to: ignored
    expect(relay.reply(next.w, new Map([['X_HOLDFAST_ADOPTED', '100-1']]))).toBe(true);
    await until(() => old.inbox.length > 0);
    expect(old.inbox.map(text)).toEqual(['X_HOLDFAST_ADOPTED=100-1']);
    expect(relay.counts).toEqual({ adopted: 1, refused: 0 });
    expect(relay.reply(next.w, new Map([['READY', '1']]))).toBe(false);
  });

  it('refuses, keeping nothing, when no ready successor announced it can adopt, or the sender is not draining', async () => {
    const old = worker(100, 1, 'draining');
    const starting = worker(300, 2, 'starting');
    const silent = worker(301, 2, 'ready');
    (silent.w as { adoptAddress: string | null }).adoptAddress = null; // did not announce X_HOLDFAST_ADOPT
    const relay = new HandoverRelay(() => [old.w, starting.w, silent.w], pino({ level: 'silent' }));
    const fd = tcpFd();
    relay.offer(old.w, batch('100-1', 1), [fd]);
    expect(() => inspectFd(fd)).toThrow();
    const serving = worker(101, 1, 'ready');
    relay.offer(serving.w, batch('101-1', 0), []);
    await until(() => old.inbox.length > 0 && serving.inbox.length > 0);
    expect(text(old.inbox[0]!)).toMatch(/^X_HOLDFAST_REFUSED=100-1\nX_HOLDFAST_REASON=no ready successor/);
    expect(text(serving.inbox[0]!)).toMatch(/^X_HOLDFAST_REFUSED=101-1\nX_HOLDFAST_REASON=the sender is not being drained/);
    expect(starting.inbox).toEqual([]);
    expect(relay.counts.refused).toBe(1);
  });

  it('never forwards to a warm standby (it accepts nothing until promoted), even one in the same slot', async () => {
    const old = worker(100, 1, 'draining', 0);
    const standby = worker(400, 2, 'ready', 0);
    (standby.w as { standby: boolean }).standby = true;
    const next = worker(401, 2, 'ready', 1);
    const relay = new HandoverRelay(() => [old.w, standby.w, next.w], pino({ level: 'silent' }));
    expect(relay.successorOf(old.w)).toBe(next.w);
    const alone = new HandoverRelay(() => [old.w, standby.w], pino({ level: 'silent' }));
    expect(alone.successorOf(old.w)).toBeUndefined();
  });

  it('acknowledges an announcement at the announced address, so the worker knows this holder relays hand-overs', async () => {
    const w = worker(100, 1, 'starting');
    new HandoverRelay(() => [w.w], pino({ level: 'silent' })).acknowledge(w.w);
    await until(() => w.inbox.length > 0);
    expect(w.inbox.map(text)).toEqual(['X_HOLDFAST_ADOPT_ACK=1']);
  });

  it('refuses a batch whose fd count does not match, and one whose successor is gone', async () => {
    const old = worker(100, 1, 'draining');
    const next = worker(200, 2, 'ready');
    const relay = new HandoverRelay(() => [old.w, next.w], pino({ level: 'silent' }));
    relay.offer(old.w, batch('100-1', 2), [tcpFd()]);
    sockets.splice(sockets.indexOf(sockets[1]!), 1)[0]!.close(); // the successor's receiver is gone: ECONNREFUSED
    relay.offer(old.w, batch('100-2', 1), [tcpFd()]);
    await until(() => old.inbox.length >= 2);
    expect(old.inbox.map(text).map((t) => t.split('\n')[0])).toEqual(['X_HOLDFAST_REFUSED=100-1', 'X_HOLDFAST_REFUSED=100-2']);
    expect(text(old.inbox[1]!)).toMatch(/successor pid 200 unreachable/);
    expect(next.inbox).toEqual([]);
  });
});
