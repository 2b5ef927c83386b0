import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { HoldfastError } from './errors.js';
import type { ProcessHost } from './process-host.js';
import type { HeldSocket } from './socket-table.js';
import { describeExit, Worker, type WorkerStatus } from './worker.js';

/** Where workers send sd_notify messages, and how the supervisor registers a new worker with it (NotifyHub). */
export interface NotifyRegistry {
  /** NOTIFY_SOCKET value handed to workers. */
  readonly path: string;
  add(worker: Worker): void;
}

/** What to run and how long to wait. Durations in milliseconds. */
export interface SupervisorOptions {
  command: string;
  args: string[];
  cwd: string;
  /** Environment for workers (LISTEN_* and NOTIFY_SOCKET are added per worker). */
  env: NodeJS.ProcessEnv;
  sockets: HeldSocket[];
  /** Spawn to READY=1 deadline. */
  readyTimeoutMs: number;
  /** SIGTERM to SIGKILL deadline for an old generation. */
  drainTimeoutMs: number;
  backoff?: BackoffOptions;
  /** Consecutive failed starts/crashes with nothing serving before the service is marked failed. Default 10. */
  maxFailures?: number;
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

/** Outcome of one swap. */
export type SwapResult =
  | { ok: true; generation: number; pid: number; readyMs: number; replaced: number | null }
  | { ok: false; generation: number; pid: number | null; error: HoldfastError };

/** Whole-service state as status shows it. */
export type ServiceState = 'starting' | 'running' | 'restarting' | 'failed' | 'stopping' | 'stopped';

/** `GET /status` body. */
export interface SupervisorStatus {
  state: ServiceState;
  generation: number;
  restarts: number;
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

/**
 * Generations of workers on the held sockets.
 *
 * Invariant 3: at most one swap runs at a time; every trigger that arrives meanwhile (reload, crash restart)
 * joins one queued follow-up swap. Invariant 4: the old generation is drained only after the new one sent
 * READY=1; a new generation that exits or misses the deadline is killed and the old one keeps serving.
 * Events: 'swap' (SwapResult), 'crash' (worker status), 'state' (ServiceState).
 */
export class Supervisor extends EventEmitter {
  private generation = 0;
  private current: Worker | null = null;
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
  private launch: LaunchSpec;
  private pendingLaunch: LaunchSpec | null = null;

  constructor(private readonly opts: SupervisorOptions, private readonly host: ProcessHost,
    private readonly notify: NotifyRegistry, private readonly log: Logger) {
    super();
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.maxFailures = opts.maxFailures ?? 10;
    this.launch = { command: opts.command, args: opts.args, cwd: opts.cwd };
  }

  /** Start the first generation (same path as a reload). */
  start(): Promise<SwapResult> {
    return this.request('start');
  }

  /**
   * Replace the serving generation with a new one (blue-green).
   * Resolves once the new generation is ready (the old one is then draining) or rolled back.
   * @throws HoldfastError ERR_HOLDFAST_STOPPING when the holder is stopping.
   */
  reload(launch: Partial<LaunchSpec> = {}): Promise<SwapResult> {
    if (launch.command !== undefined || launch.args !== undefined || launch.cwd !== undefined) {
      // The latest request wins for the next swap; it becomes the service's launch spec only once its
      // generation is ready (a failed deploy leaves the old release serving and the old spec in place).
      this.pendingLaunch = { ...(this.pendingLaunch ?? this.launch), ...launch };
    }
    return this.request('reload');
  }

  /** The command, arguments and directory the next generation runs with (after a successful deploy, the new ones). */
  get launchSpec(): LaunchSpec {
    return { ...this.launch };
  }

  private request(kind: 'start' | 'reload' | 'restart'): Promise<SwapResult> {
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
    if (!q) return;
    if (this.state === 'stopping' || this.state === 'stopped') {
      q.resolve(Promise.reject(new HoldfastError('ERR_HOLDFAST_STOPPING', 'the holder is stopping')));
      return;
    }
    this.running = this.swap('reload').finally(() => this.next());
    q.resolve(this.running);
  }

  private spawnWorker(generation: number, launch: LaunchSpec): Worker {
    const { sockets } = this.opts;
    const env: NodeJS.ProcessEnv = { ...this.opts.env };
    delete env.LISTEN_PID; delete env.LISTEN_FDS; delete env.LISTEN_FDNAMES; delete env.NOTIFY_SOCKET;
    if (sockets.length > 0) {
      env.LISTEN_FDS = String(sockets.length);
      env.LISTEN_FDNAMES = sockets.map((s) => s.name).join(':');
    }
    env.NOTIFY_SOCKET = this.notify.path;
    env.HOLDFAST_GENERATION = String(generation);
    const child = this.host.spawn({
      command: launch.command, args: launch.args, cwd: launch.cwd, env,
      fds: sockets.map((s) => s.fd),
    });
    const w = new Worker(this.host, child, generation);
    this.workers.add(w);
    this.notify.add(w);
    w.on('status', (text: string) => this.log.info({ pid: w.pid, generation, status: text }, 'worker status'));
    w.once('exit', (e) => this.onExit(w, e));
    this.log.info({ pid: w.pid, generation }, 'spawned');
    return w;
  }

  private async swap(kind: 'start' | 'reload' | 'restart'): Promise<SwapResult> {
    this.cancelRestart?.();
    this.cancelRestart = null;
    if (kind === 'restart' && this.current) {
      return { ok: true, generation: this.current.generation, pid: this.current.pid, readyMs: 0, replaced: null };
    }
    const generation = ++this.generation;
    const launch = this.pendingLaunch ?? this.launch;
    this.pendingLaunch = null;
    let w: Worker;
    try {
      w = this.spawnWorker(generation, launch);
    } catch (err) {
      const error = new HoldfastError('ERR_HOLDFAST_WORKER_EXITED', `generation ${generation} could not be spawned: ${(err as Error).message}`, { cause: err });
      return this.failed(kind, { ok: false, generation, pid: null, error });
    }
    let readyMs: number;
    try {
      readyMs = await w.waitReady(this.opts.readyTimeoutMs);
    } catch (err) {
      await w.kill();
      const error = err instanceof HoldfastError ? err : new HoldfastError('ERR_HOLDFAST_WORKER_EXITED', String(err));
      return this.failed(kind, { ok: false, generation, pid: w.pid, error });
    }
    const old = this.current;
    this.current = w;
    this.launch = launch;
    this.setState('running');
    this.log.info({ pid: w.pid, generation, readyMs: Math.round(readyMs), kind }, `ready in ${Math.round(readyMs)} ms`);
    if (old && !old.exitInfo) {
      this.log.info({ pid: old.pid, generation: old.generation }, 'draining');
      const t0 = this.host.now();
      void old.drain(this.opts.drainTimeoutMs).then((e) => {
        this.log.info({ pid: old.pid, generation: old.generation, drainMs: Math.round(this.host.now() - t0), ...e }, 'drained');
      });
    }
    const result: SwapResult = { ok: true, generation, pid: w.pid, readyMs, replaced: old?.pid ?? null };
    this.lastSwap = result;
    this.emit('swap', result);
    return result;
  }

  private failed(kind: string, result: SwapResult & { ok: false }): SwapResult {
    this.lastSwap = result;
    if (this.current) {
      this.log.error({ generation: result.generation, pid: result.pid, err: result.error.message, kind },
        `rollback: generation ${this.current.generation} keeps serving`);
    } else {
      this.log.error({ generation: result.generation, pid: result.pid, err: result.error.message, kind }, 'start failed; nothing is serving (connections wait in the accept queue)');
      this.failures++;
      this.scheduleRestart();
    }
    this.emit('swap', result);
    return result;
  }

  private onExit(w: Worker, e: { code: number | null; signal: NodeJS.Signals | null }): void {
    this.workers.delete(w);
    const fields = { pid: w.pid, generation: w.generation, code: e.code, signal: e.signal };
    const stopping = this.state === 'stopping' || this.state === 'stopped';
    if (w !== this.current || stopping) {
      this.log.info(fields, `exited (${describeExit(e)})`);
      if (w === this.current) this.current = null;
      return;
    }
    this.current = null;
    const uptime = this.host.now() - w.startedAt;
    if (uptime >= this.backoff.resetAfterMs) this.failures = 0;
    this.failures++;
    this.log.error({ ...fields, uptimeMs: Math.round(uptime) }, `crashed (${describeExit(e)})`);
    this.emit('crash', w.snapshot());
    if (!this.running) this.scheduleRestart();
    // else: the swap in progress brings up the next generation; if it fails, failed() schedules a restart.
  }

  private scheduleRestart(): void {
    if (this.state === 'stopping' || this.state === 'stopped' || this.cancelRestart) return;
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
    const all = [...this.workers].map((w) => w.drain(this.opts.drainTimeoutMs));
    await Promise.all(all);
    this.current = null;
    this.setState('stopped');
  }

  status(): SupervisorStatus {
    const last = this.lastSwap;
    return {
      state: this.state,
      generation: this.current?.generation ?? 0,
      restarts: this.restarts,
      workers: [...this.workers].map((w) => w.snapshot()).sort((a, b) => a.generation - b.generation),
      swap: { running: this.running !== null, queued: this.queued !== null },
      lastSwap: last && (last.ok ? last : { ...last, error: { code: last.error.code, message: last.error.message } }),
    };
  }
}
