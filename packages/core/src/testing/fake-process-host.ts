/**
 * A ProcessHost with fake processes and a fake clock, for unit tests of anything that spawns workers (the
 * supervisor's swap state machine, the holder's reactions): no process is started, no time passes until
 * `advance()` says so. `@holdfast/core/testing` exports it.
 *
 * ```ts
 * const host = new FakeProcessHost();
 * const sup = new Supervisor(opts, host, notify, log);
 * void sup.start();
 * await host.advance(100);          // timers due within 100 ms fire, in order
 * host.child(100).exit(1);          // the first worker crashes
 * ```
 */
import type { ChildHandle, ProcessHost, SpawnRequest } from '../process-host.js';

/** Lets every pending promise callback run (a few microtask turns). */
export async function flushMicrotasks(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}

/** One fake process: it records the signals it got and exits when the test says so. */
export class FakeChild implements ChildHandle {
  private exitCb: ((code: number | null, signal: NodeJS.Signals | null) => void) | null = null;
  /** Signals received, in order; SIGKILL to the process group is recorded as 'group:SIGKILL'. */
  readonly signals: string[] = [];

  constructor(readonly pid: number, readonly req: SpawnRequest) {}

  onExit(cb: (code: number | null, signal: NodeJS.Signals | null) => void): void { this.exitCb = cb; }

  /** The process exits with `code`, or is killed by `signal`. Exiting twice is a no-op. */
  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    const cb = this.exitCb;
    this.exitCb = null;
    cb?.(code, signal);
  }

  get alive(): boolean { return this.exitCb !== null; }
}

/** A fake OS: pids from 100 up, a clock in ms from 0, timers that fire only in `advance()`. */
export class FakeProcessHost implements ProcessHost {
  /** The fake clock, in ms. */
  t = 0;
  nextPid = 100;
  readonly children: FakeChild[] = [];
  private readonly timers: { at: number; fn: () => void; live: boolean }[] = [];

  spawn(req: SpawnRequest): FakeChild {
    const c = new FakeChild(this.nextPid++, req);
    this.children.push(c);
    return c;
  }

  /** The child with `pid` (undefined if none was spawned with it). */
  child(pid: number): FakeChild {
    return this.children.find((c) => c.pid === pid)!;
  }

  kill(pid: number, signal: NodeJS.Signals): boolean {
    const c = this.child(pid);
    if (!c?.alive) return false;
    c.signals.push(signal);
    return true;
  }

  /** SIGKILL to a group ends its leader on the next microtask, as the kernel would. */
  killGroup(pid: number, signal: NodeJS.Signals): boolean {
    const c = this.child(pid);
    if (!c?.alive) return false;
    c.signals.push(`group:${signal}`);
    if (signal === 'SIGKILL') queueMicrotask(() => c.exit(null, 'SIGKILL'));
    return true;
  }

  /** Datagrams sent with message(), in order. */
  readonly messages: { address: string; payload: string }[] = [];

  message(address: string, payload: string): boolean {
    this.messages.push({ address, payload });
    return true;
  }

  /** Open connections each pid holds, as `openConnections` reports them at a drain deadline (absent: 0; null: unreadable). */
  readonly connections = new Map<number, number | null>();

  openConnections(pid: number): number | null {
    return this.connections.has(pid) ? this.connections.get(pid)! : 0;
  }

  /** pids moved back to normal CPU priority with endIdleStart(), in order. */
  readonly idleEnded: number[] = [];
  /** When set, endIdleStart() throws it (as a holder without CAP_SYS_NICE gets EPERM). */
  idleStartError: Error | null = null;

  endIdleStart(pid: number): void {
    if (this.idleStartError) throw this.idleStartError;
    this.idleEnded.push(pid);
  }

  now(): number { return this.t; }

  setTimer(fn: () => void, ms: number): () => void {
    const t = { at: this.t + ms, fn, live: true };
    this.timers.push(t);
    return () => { t.live = false; };
  }

  /** Move the clock `ms` forward, firing every timer due on the way in order, with microtasks run after each. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.t = due.at;
      due.live = false;
      due.fn();
      await flushMicrotasks();
    }
    this.t = end;
    await flushMicrotasks();
  }
}
