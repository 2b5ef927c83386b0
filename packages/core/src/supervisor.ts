import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { HoldfastError } from './errors.js';
import type { ProcessHost } from './process-host.js';
import type { HeldSocket } from './socket-table.js';
import { describeExit, Worker, type ExitInfo, type WorkerStatus } from './worker.js';
import { workerEnv } from './worker-env.js';

/** Where workers send sd_notify messages, and how the supervisor registers a new worker with it (NotifyHub). */
export interface NotifyRegistry {
  /** NOTIFY_SOCKET value handed to workers. */
  readonly path: string;
  add(worker: Worker): void;
}

/**
 * What a generation runs. Resolved again for every generation: a `cwd` that goes through a `current` symlink
 * picks up the release the symlink names at spawn time.
 */
export interface LaunchSpec {
  command: string;
  args: string[];
  cwd: string;
}

/** How a reload replaces N workers: `rolling` (maxExtra at a time) or `all-at-once` (N new, then N old drain). */
export type ReloadStrategy = 'rolling' | 'all-at-once';

/** What to run and how long to wait. Durations in milliseconds. */
export interface SupervisorOptions extends LaunchSpec {
  /** Environment for workers (LISTEN_* and NOTIFY_SOCKET are added per worker). */
  env: NodeJS.ProcessEnv;
  sockets: HeldSocket[];
  /** Spawn to READY=1 deadline. */
  readyTimeoutMs: number;
  /** SIGTERM to SIGKILL deadline for an old generation. */
  drainTimeoutMs: number;
  /** Worker processes sharing the sockets. Default 1. */
  workers?: number;
  /** Default 'rolling'. */
  reloadStrategy?: ReloadStrategy;
  /**
   * Processes allowed beyond `workers` at any moment, counting starting and draining ones; bounds memory during
   * a swap. Default 1 for rolling (also its batch size), `workers` for all-at-once.
   */
  maxExtra?: number;
  /** A new worker must stay up this long after READY=1 before it counts as ready (crash right after READY=1 is a failed start). Default 300 ms. */
  settleMs?: number;
  /** Watchdog interval handed to workers as WATCHDOG_USEC; 0 disables. Default 0. */
  watchdogMs?: number;
  backoff?: BackoffOptions;
  /** Consecutive failed starts/crashes before the service is marked failed and automatic restarts stop. Default 10. */
  maxFailures?: number;
}

/** Outcome of one swap. `pid`/`replaced` name the first worker of a multi-worker swap. */
export type SwapResult =
  | { ok: true; generation: number; pid: number; pids: number[]; readyMs: number; replaced: number | null; replacedPids: number[] }
  | { ok: false; generation: number; pid: number | null; error: HoldfastError };

/** Whole-service state as status shows it. */
export type ServiceState = 'starting' | 'running' | 'restarting' | 'failed' | 'stopping' | 'stopped';

/** `GET /status` body. */
export interface SupervisorStatus {
  state: ServiceState;
  /** Newest generation among the serving workers (0 when none serves). */
  generation: number;
  /** Crash restarts since start, all slots. */
  restarts: number;
  /** Configured number of workers. */
  size: number;
  /** Every live process, starting and draining ones included, by generation. */
  workers: WorkerStatus[];
  swap: { running: boolean; queued: boolean };
  lastSwap: (Omit<SwapResult, 'error'> & { error?: { code: string; message: string } }) | null;
}

interface Deferred<T> { promise: Promise<T>; resolve: (v: T | Promise<T>) => void }
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T | Promise<T>) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}

type SwapKind = 'start' | 'reload' | 'restart';

/**
 * Generations of workers on the held sockets, in `workers` slots.
 *
 * Invariant 3: at most one swap runs at a time; every trigger that arrives meanwhile (reload, SIGHUP, crash
 * restart) joins one queued follow-up swap. Invariant 4: an old worker is drained only after its replacement
 * sent READY=1 and stayed up `settleMs`; a new generation that exits or misses the deadline is killed and the old
 * one keeps serving (a rolling swap that fails midway puts the previous release back in the slots it changed).
 * Processes never exceed `workers + maxExtra`: a swap waits for draining workers to exit first.
 * Events: 'spawn' (WorkerStatus), 'swap' (SwapResult), 'crash' (WorkerStatus), 'drained' ({pid, generation,
 * drainMs}), 'state' (ServiceState).
 */
export class Supervisor extends EventEmitter {
  private generation = 0;
  private readonly slots: (Worker | null)[];
  private readonly slotRestarts: number[];
  private readonly workers = new Set<Worker>();
  private running: Promise<SwapResult> | null = null;
  private queued: Deferred<SwapResult> | null = null;
  private failures = 0;
  private restarts = 0;
  private cancelRestart: (() => void) | null = null;
  private lastSwap: SwapResult | null = null;
  private state: ServiceState = 'starting';
  private readonly backoff: BackoffOptions;
  private readonly maxFailures: number;
  private readonly size: number;
  private readonly strategy: ReloadStrategy;
  private readonly maxExtra: number;
  private readonly settleMs: number;
  private launch: LaunchSpec;
  private pendingLaunch: LaunchSpec | null = null;

  constructor(private readonly opts: SupervisorOptions, private readonly host: ProcessHost,
    private readonly notify: NotifyRegistry, private readonly log: Logger) {
    super();
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.maxFailures = opts.maxFailures ?? 10;
    this.size = opts.workers ?? 1;
    this.strategy = opts.reloadStrategy ?? 'rolling';
    this.maxExtra = Math.max(1, opts.maxExtra ?? (this.strategy === 'all-at-once' ? this.size : 1));
    this.settleMs = opts.settleMs ?? 300;
    this.slots = Array.from({ length: this.size }, () => null);
    this.slotRestarts = Array.from({ length: this.size }, () => 0);
    this.launch = { command: opts.command, args: opts.args, cwd: opts.cwd };
  }

  /** Start the first generation in every slot. */
  start(): Promise<SwapResult> {
    return this.request('start');
  }

  /**
   * Replace the serving generation with a new one (blue-green). `launch` deploys another command or directory;
   * it becomes the service's launch spec only once its generation is ready.
   * Resolves once every slot runs the new generation (old ones then drain) or the swap was rolled back.
   * @throws HoldfastError ERR_HOLDFAST_STOPPING when the holder is stopping.
   */
  reload(launch: Partial<LaunchSpec> = {}): Promise<SwapResult> {
    if (launch.command !== undefined || launch.args !== undefined || launch.cwd !== undefined) {
      // The latest request wins for the next swap; a failed deploy leaves the old release and spec in place.
      this.pendingLaunch = { ...(this.pendingLaunch ?? this.launch), ...launch };
    }
    return this.request('reload');
  }

  /** Is `pid` one of the worker processes this supervisor spawned and has not yet seen exit? */
  isWorkerPid(pid: number): boolean {
    for (const w of this.workers) if (w.pid === pid) return true;
    return false;
  }

  /** The command, arguments and directory the next generation runs with. */
  get launchSpec(): LaunchSpec {
    return { ...this.launch };
  }

  private request(kind: SwapKind): Promise<SwapResult> {
    if (this.state === 'stopping' || this.state === 'stopped') {
      return Promise.reject(new HoldfastError('ERR_HOLDFAST_STOPPING', `cannot ${kind}: the holder is stopping`));
    }
    if (!this.running) {
      this.running = this.swap(kind).finally(() => this.next());
      return this.running;
    }
    this.log.debug({ kind }, 'swap in progress; coalesced into the queued follow-up');
    this.queued ??= deferred<SwapResult>();
    return this.queued.promise;
  }

  private next(): void {
    this.running = null;
    const q = this.queued;
    this.queued = null;
    if (this.state === 'stopping' || this.state === 'stopped') {
      q?.resolve(Promise.reject(new HoldfastError('ERR_HOLDFAST_STOPPING', 'the holder is stopping')));
      return;
    }
    if (q) {
      this.running = this.swap('reload').finally(() => this.next());
      q.resolve(this.running);
    } else if (this.slots.includes(null)) {
      this.scheduleRestart(); // a slot crashed while the swap ran
    }
  }

  private spawnWorker(generation: number, launch: LaunchSpec, slot: number): Worker {
    const { sockets } = this.opts;
    const watchdogMs = this.opts.watchdogMs ?? 0;
    const env = workerEnv({
      base: this.opts.env, socketNames: sockets.map((s) => s.name), notifySocket: this.notify.path, generation, slot,
      drainTimeoutMs: this.opts.drainTimeoutMs, watchdogMs,
    });
    const child = this.host.spawn({ command: launch.command, args: launch.args, cwd: launch.cwd, env, fds: sockets.map((s) => s.fd) });
    const w = new Worker(this.host, child, generation, slot);
    w.restarts = this.slotRestarts[slot];
    if (watchdogMs > 0) w.setWatchdog(watchdogMs);
    this.workers.add(w);
    this.notify.add(w);
    const f = { pid: w.pid, generation, worker: slot };
    w.on('status', (text: string) => this.log.info({ ...f, status: text }, 'worker status'));
    w.on('watchdog', (reason: string) => this.log.error({ ...f, reason }, `watchdog: ${reason}; killing the worker`));
    w.once('exit', (e: ExitInfo) => this.onExit(w, e));
    this.log.info(f, 'spawned');
    this.emit('spawn', w.snapshot());
    return w;
  }

  /** READY=1 before the deadline, then still alive `settleMs` later. Resolves with spawn-to-ready ms. */
  private async readyAndSettled(w: Worker): Promise<number> {
    const readyMs = await w.waitReady(this.opts.readyTimeoutMs);
    if (this.settleMs > 0 && !w.exitInfo) {
      let cancel = () => {};
      const settled = new Promise<void>((r) => { cancel = this.host.setTimer(r, this.settleMs); });
      await Promise.race([settled, w.exited]);
      cancel();
    }
    if (w.exitInfo) {
      throw new HoldfastError('ERR_HOLDFAST_WORKER_EXITED',
        `generation ${w.generation} (pid ${w.pid}) ${describeExit(w.exitInfo)} right after READY=1 (within ${this.settleMs} ms)`);
    }
    return readyMs;
  }

  /** Wait until `n` more processes fit under workers + maxExtra (draining ones exit within their deadline). */
  private async capacity(n: number): Promise<void> {
    const max = this.size + this.maxExtra;
    while (this.workers.size + n > max) {
      const draining = [...this.workers].filter((w) => w.state === 'draining' || w.state === 'exited');
      if (draining.length === 0) return;
      this.log.debug({ live: this.workers.size, max }, 'waiting for draining workers to exit before spawning');
      await Promise.race(draining.map((w) => w.exited));
    }
  }

  /**
   * Start a batch of slots on `launch` and install them. All or nothing: if one fails, every new worker of the
   * batch is killed and the slots keep what they had.
   */
  private async startBatch(slots: number[], generation: number, launch: LaunchSpec): Promise<{ workers: Worker[]; readyMs: number; replaced: Worker[] }> {
    await this.capacity(slots.length);
    if (this.state === 'stopping' || this.state === 'stopped') throw new HoldfastError('ERR_HOLDFAST_STOPPING', 'the holder is stopping');
    const fresh: Worker[] = [];
    try {
      for (const s of slots) fresh.push(this.spawnWorker(generation, launch, s));
    } catch (err) {
      await Promise.all(fresh.map((w) => w.kill()));
      throw new HoldfastError('ERR_HOLDFAST_WORKER_EXITED', `generation ${generation} could not be spawned: ${(err as Error).message}`, { cause: err });
    }
    const outcomes = await Promise.allSettled(fresh.map((w) => this.readyAndSettled(w)));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) {
      await Promise.all(fresh.map((w) => w.kill()));
      const e = failed.reason;
      throw e instanceof HoldfastError ? e : new HoldfastError('ERR_HOLDFAST_WORKER_EXITED', String(e), { cause: e });
    }
    const replaced: Worker[] = [];
    fresh.forEach((w, i) => {
      const old = this.slots[slots[i]];
      this.slots[slots[i]] = w;
      if (old && !old.exitInfo) replaced.push(old);
    });
    for (const old of replaced) this.drainWorker(old);
    const readyMs = Math.max(...outcomes.map((o) => (o as PromiseFulfilledResult<number>).value));
    this.log.info({ generation, pids: fresh.map((w) => w.pid), readyMs: Math.round(readyMs) }, `ready in ${Math.round(readyMs)} ms`);
    return { workers: fresh, readyMs, replaced };
  }

  private drainWorker(old: Worker): void {
    this.log.info({ pid: old.pid, generation: old.generation, worker: old.slot }, 'draining');
    const t0 = this.host.now();
    void old.drain(this.opts.drainTimeoutMs).then((e) => {
      const drainMs = Math.round(this.host.now() - t0);
      this.log.info({ pid: old.pid, generation: old.generation, worker: old.slot, drainMs, ...e }, `drained in ${drainMs} ms`);
      this.emit('drained', { pid: old.pid, generation: old.generation, drainMs });
    });
  }

  private async swap(kind: SwapKind): Promise<SwapResult> {
    this.cancelRestart?.();
    this.cancelRestart = null;
    const reload = kind === 'reload';
    const targets = reload ? this.slots.map((_, i) => i) : this.slots.flatMap((w, i) => (w ? [] : [i]));
    if (targets.length === 0) {
      const w = this.slots[0]!;
      return { ok: true, generation: w.generation, pid: w.pid, pids: [], readyMs: 0, replaced: null, replacedPids: [] };
    }
    const generation = ++this.generation;
    const launch = reload ? (this.pendingLaunch ?? this.launch) : this.launch;
    if (reload) this.pendingLaunch = null;
    const previous = this.launch;
    const batchSize = reload && this.strategy === 'rolling' ? this.maxExtra : targets.length;
    const started: Worker[] = [];
    const replaced: Worker[] = [];
    const changed: number[] = [];
    let readyMs = 0;
    try {
      for (let i = 0; i < targets.length; i += batchSize) {
        const batch = targets.slice(i, i + batchSize);
        const r = await this.startBatch(batch, generation, launch);
        started.push(...r.workers);
        replaced.push(...r.replaced);
        changed.push(...batch);
        readyMs = Math.max(readyMs, r.readyMs);
      }
    } catch (err) {
      const error = err as HoldfastError;
      const result: SwapResult = { ok: false, generation, pid: null, error };
      if (changed.length > 0) await this.rollBack(changed, previous);
      return this.failed(kind, result);
    }
    if (kind !== 'restart' || this.slots.every(Boolean)) this.launch = launch;
    if (!this.slots.includes(null)) this.setState('running');
    const result: SwapResult = {
      ok: true, generation, pid: started[0].pid, pids: started.map((w) => w.pid), readyMs,
      replaced: replaced[0]?.pid ?? null, replacedPids: replaced.map((w) => w.pid),
    };
    this.lastSwap = result;
    this.emit('swap', result);
    return result;
  }

  /** A rolling swap failed midway: put the previous release back into the slots it had already changed. */
  private async rollBack(slots: number[], previous: LaunchSpec): Promise<void> {
    this.log.warn({ slots }, 'rolling swap failed midway: starting the previous release in the slots it changed');
    const generation = ++this.generation;
    try {
      for (let i = 0; i < slots.length; i += this.maxExtra) await this.startBatch(slots.slice(i, i + this.maxExtra), generation, previous);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'rollback to the previous release failed; the new release keeps serving those slots');
    }
  }

  private failed(kind: SwapKind, result: SwapResult & { ok: false }): SwapResult {
    this.lastSwap = result;
    const serving = this.slots.filter(Boolean) as Worker[];
    const f = { generation: result.generation, err: result.error.message, kind };
    if (serving.length > 0 && kind === 'reload') {
      this.log.error(f, `rollback: generation ${Math.max(...serving.map((w) => w.generation))} keeps serving`);
    } else {
      this.log.error(f, serving.length ? 'restart failed' : 'start failed; nothing is serving (connections wait in the accept queue)');
      this.failures++;
      if (this.state !== 'stopping' && this.state !== 'stopped') this.scheduleRestart();
    }
    this.emit('swap', result);
    return result;
  }

  private onExit(w: Worker, e: ExitInfo): void {
    this.workers.delete(w);
    const slot = this.slots.indexOf(w);
    const fields = { pid: w.pid, generation: w.generation, worker: w.slot, code: e.code, signal: e.signal };
    const stopping = this.state === 'stopping' || this.state === 'stopped';
    if (slot < 0 || stopping) {
      if (slot >= 0) this.slots[slot] = null;
      this.log.info(fields, `exited (${describeExit(e)})`);
      return;
    }
    this.slots[slot] = null;
    this.slotRestarts[slot]++;
    const uptime = this.host.now() - w.startedAt;
    if (uptime >= this.backoff.resetAfterMs) this.failures = 0;
    this.failures++;
    this.log.error({ ...fields, uptimeMs: Math.round(uptime) }, `crashed (${describeExit(e)})`);
    this.emit('crash', w.snapshot());
    if (!this.running) this.scheduleRestart();
    // else: next() schedules the restart when the running swap is over.
  }

  private scheduleRestart(): void {
    if (this.state === 'stopping' || this.state === 'stopped' || this.cancelRestart || !this.slots.includes(null)) return;
    if (this.failures >= this.maxFailures) {
      this.setState('failed');
      this.log.error({ failures: this.failures }, 'service failed: giving up automatic restarts until the next reload');
      return;
    }
    this.setState('restarting');
    const delay = backoffDelay(this.failures, this.backoff);
    this.log.warn({ delayMs: delay, failures: this.failures }, `restarting in ${delay} ms`);
    this.cancelRestart = this.host.setTimer(() => {
      this.cancelRestart = null;
      this.restarts++;
      void this.request('restart').catch(() => { /* stopping */ });
    }, delay);
  }

  private setState(s: ServiceState): void {
    if (this.state === s) return;
    this.state = s;
    this.emit('state', s);
  }

  /**
   * Stop: no new swaps, SIGTERM to every worker (SIGKILL at the drain deadline), resolve once all have exited.
   */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.setState('stopping');
    this.cancelRestart?.();
    this.cancelRestart = null;
    await Promise.all([...this.workers].map((w) => w.drain(this.opts.drainTimeoutMs)));
    this.slots.fill(null);
    this.setState('stopped');
  }

  status(): SupervisorStatus {
    const last = this.lastSwap;
    const serving = this.slots.filter(Boolean) as Worker[];
    return {
      state: this.state,
      generation: serving.length ? Math.max(...serving.map((w) => w.generation)) : 0,
      restarts: this.restarts,
      size: this.size,
      workers: [...this.workers].map((w) => w.snapshot()).sort((a, b) => a.generation - b.generation || a.slot - b.slot),
      swap: { running: this.running !== null, queued: this.queued !== null },
      lastSwap: last && (last.ok ? last : { ...last, error: { code: last.error.code, message: last.error.message } }),
    };
  }
}
