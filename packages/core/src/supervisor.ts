import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { logWarning } from './warnings.js';
import { HoldfastError } from './errors.js';
import type { ProcessHost } from './process-host.js';
import { PROMOTE_SIGNAL } from '@holdfast/native/protocol';
import { RestartPolicy } from './restart-policy.js';
import { StandbyPool } from './standby-pool.js';
import { rollBack, startBatch, type BatchContext } from './supervisor-batch.js';
import { describeSupervisor } from './supervisor-status.js';
import { canTransition, type ServiceState } from './service-state.js';
import { resolveSupervisorOptions, type ResolvedSupervisorOptions } from './supervisor-options.js';
import type { LaunchSpec, NotifyRegistry, SupervisorEvents, SupervisorOptions, SupervisorStatus, SwapResult } from './supervisor-types.js';
import { SwapQueue, type SwapKind } from './swap-queue.js';
import { describeExit, Worker, type ExitInfo } from './worker.js';
import { WorkerPool } from './worker-pool.js';

export type { BatchReady, DrainedEvent, LaunchSpec, NotifyRegistry, ReloadStrategy, ServingEvent, SupervisorOptions, SupervisorStatus, SwapResult } from './supervisor-types.js';
export type { SwapKind } from './swap-queue.js';
export type { ServiceState } from './service-state.js';

/**
 * Generations of workers on the held sockets, in `workers` slots.
 *
 * Invariant 3: at most one swap runs at a time; every trigger that arrives meanwhile (reload, SIGHUP, crash
 * restart) joins one queued follow-up swap. Invariant 4: an old worker is drained only after its replacement
 * sent READY=1 and stayed up `settleMs` (it serves from READY=1 on: 'serving'); a new generation that exits or misses the deadline is killed and the old
 * one keeps serving (a rolling swap that fails midway puts the previous release back in the slots it changed).
 * Processes never exceed `workers + maxExtra`: a swap waits for draining workers to exit first.
 * Events: see {@link SupervisorEvents}. The service state changes only along SERVICE_TRANSITIONS (service-state.ts).
 * @throws HoldfastError ERR_HOLDFAST_INVALID_OPTION from the constructor for a bad option (supervisor-options.ts).
 */
export class Supervisor extends EventEmitter<SupervisorEvents> {
  private generation = 0;
  private readonly slots: (Worker | null)[];
  private readonly slotRestarts: number[];
  /** Per slot: the generation last installed in it (a crash restart falls back to its environment). */
  private readonly slotGeneration: number[] = [];
  private readonly pool: WorkerPool;
  private readonly queue: SwapQueue<SwapResult>;
  private readonly policy: RestartPolicy;
  private restarts = 0;
  private cancelRestart: (() => void) | null = null;
  private lastSwap: (SwapResult & { kind: SwapKind }) | null = null;
  private state: ServiceState = 'starting';
  private readonly opts: ResolvedSupervisorOptions;
  private readonly size: number;
  private readonly maxExtra: number;
  private launch: LaunchSpec;
  private pendingLaunch: LaunchSpec | null = null;
  private readonly recycleSlots = new Set<number>();
  private readonly standbys: StandbyPool;
  private readonly batch: BatchContext;

  constructor(options: SupervisorOptions, private readonly host: ProcessHost,
    private readonly notify: NotifyRegistry, private readonly log: Logger) {
    super();
    this.opts = resolveSupervisorOptions(options);
    this.size = this.opts.workers;
    this.maxExtra = this.opts.maxExtra;
    this.policy = new RestartPolicy(this.opts.backoff, this.opts.maxFailures);
    this.pool = new WorkerPool(this.opts, host, notify, log, {
      spawned: (w) => { w.once('exit', (e: ExitInfo) => this.onExit(w, e)); this.emit('spawn', w.snapshot()); },
      drained: (d) => this.emit('drained', d),
    });
    this.queue = new SwapQueue((kind) => this.swap(kind), () => this.stoppingOrStopped(),
      () => new HoldfastError('ERR_HOLDFAST_STOPPING', 'the holder is stopping'),
      () => { if (this.slots.includes(null)) this.scheduleRestart(); }); // a slot crashed while the swap ran
    this.slots = Array.from({ length: this.size }, () => null);
    this.slotRestarts = Array.from({ length: this.size }, () => 0);
    this.launch = { command: this.opts.command, args: this.opts.args, cwd: this.opts.cwd };
    this.standbys = new StandbyPool(this.opts.standby, this.size, this.pool, host, log, this.opts.backoff, {
      current: () => {
        const serving = this.slots.filter(Boolean) as Worker[];
        return serving.length ? { launch: this.launch, generation: Math.max(...serving.map((w) => w.generation)) } : null;
      },
      closed: () => this.stoppingOrStopped(),
    });
    this.batch = {
      pool: this.pool, slots: this.slots, slotRestarts: this.slotRestarts, slotGeneration: this.slotGeneration, opts: this.opts, log,
      maxProcesses: () => this.size + this.maxExtra + this.standbys.size,
      stopping: () => this.stoppingOrStopped(),
      emitReady: (ready) => this.emit('ready', ready),
    };
  }

  private stoppingOrStopped(): boolean {
    return this.state === 'stopping' || this.state === 'stopped';
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
    if (Object.values(launch).some((v) => v !== undefined)) {
      // The latest request wins for the next swap; a failed deploy leaves the old release and spec in place.
      this.pendingLaunch = { ...(this.pendingLaunch ?? this.launch), ...launch };
    }
    return this.request('reload');
  }

  /**
   * Zero-downtime reload of one slot on the current launch spec (`--max-memory`): a new worker gets ready, then the
   * slot's worker drains. While another swap runs it joins the queued follow-up, which reloads every slot.
   */
  recycle(slot: number): Promise<SwapResult> {
    this.recycleSlots.add(slot);
    return this.request('recycle');
  }

  /** Is `pid` one of the worker processes this supervisor spawned and has not yet seen exit? */
  isWorkerPid(pid: number): boolean {
    return this.pool.has(pid);
  }

  /** The command, arguments and directory the next generation runs with. */
  get launchSpec(): LaunchSpec {
    return { ...this.launch };
  }

  private request(kind: SwapKind): Promise<SwapResult> {
    if (this.queue.running) this.log.debug({ kind }, 'swap in progress; coalesced into the queued follow-up');
    return this.queue.request(kind);
  }


  private async swap(kind: SwapKind): Promise<SwapResult> {
    this.cancelRestart?.();
    this.cancelRestart = null;
    const reload = kind === 'reload';
    const targets = reload ? this.slots.map((_, i) => i)
      : kind === 'recycle' ? [...this.recycleSlots].filter((i) => this.slots[i]) : this.slots.flatMap((w, i) => (w ? [] : [i]));
    this.recycleSlots.clear();
    if (targets.length === 0) {
      const w = this.slots.find(Boolean);
      return { ok: true, generation: w?.generation ?? 0, pid: w?.pid ?? 0, pids: [], readyMs: 0, replaced: null, replacedPids: [] };
    }
    const generation = ++this.generation;
    this.emit('swap-start', { kind, generation });
    const launch = reload ? (this.pendingLaunch ?? this.launch) : this.launch;
    if (reload) this.pendingLaunch = null;
    const previous = this.launch;
    const batchSize = reload && this.opts.reloadStrategy === 'rolling' ? this.maxExtra : targets.length;
    const started: Worker[] = [];
    const replaced: Worker[] = [];
    const changed: number[] = [];
    let readyMs = 0;
    try {
      for (let i = 0; i < targets.length; i += batchSize) {
        const batch = targets.slice(i, i + batchSize);
        const last = i + batchSize >= targets.length;
        const r = await startBatch(this.batch, batch, generation, launch, (fresh, ms, replacing) => {
          if (!last) return;
          this.emit('serving', {
            generation, pids: [...started, ...fresh].map((w) => w.pid), readyMs: Math.max(readyMs, ms),
            replacedPids: [...replaced, ...replacing].map((w) => w.pid),
          });
        }, kind === 'restart');
        started.push(...r.workers);
        replaced.push(...r.replaced);
        changed.push(...batch);
        readyMs = Math.max(readyMs, r.readyMs);
      }
    } catch (err) {
      const error = err as HoldfastError;
      const result: SwapResult = { ok: false, generation, pid: null, error };
      if (changed.length > 0) await rollBack(this.batch, changed, previous, () => ++this.generation);
      return this.failed(kind, result);
    }
    if (kind !== 'restart' || this.slots.every(Boolean)) this.launch = launch;
    if (!this.slots.includes(null)) this.setState('running');
    const result: SwapResult = {
      ok: true, generation, pid: started[0].pid, pids: started.map((w) => w.pid), readyMs,
      replaced: replaced[0]?.pid ?? null, replacedPids: replaced.map((w) => w.pid),
    };
    this.lastSwap = { ...result, kind };
    this.emit('swap', result);
    this.standbys.refresh(kind === 'reload'); // a replaced release's standbys drain; new ones start behind the serving generation
    return result;
  }

  private failed(kind: SwapKind, result: SwapResult & { ok: false }): SwapResult {
    this.lastSwap = { ...result, kind };
    const serving = this.slots.filter(Boolean) as Worker[];
    // One line says what failed, why and the fix; the worker's own stderr lines are already in the output above.
    const f = { generation: result.generation, kind, code: result.error.code, hint: result.error.hint };
    const why = result.error.message;
    if (this.stoppingOrStopped()) {
      // Stopped on request while this generation was starting: its end is part of the stop, not a failed start, and
      // the holder's SIGTERM ended it: no diagnosis of why it exited ("it ran to its end ...") applies.
      const how = result.error.cause instanceof Error ? ` (${result.error.cause.message})` : '';
      this.log.info({ generation: result.generation, kind }, `generation ${result.generation} stopped before READY=1: the holder is stopping${how}`);
      this.emit('swap', result);
      return result;
    }
    if (serving.length > 0 && (kind === 'reload' || kind === 'recycle')) {
      this.log.error(f, `${kind} failed: ${why}; rolled back: generation ${Math.max(...serving.map((w) => w.generation))} keeps serving`);
    } else {
      this.log.error(f, serving.length ? `restart failed: ${why}` : `start failed: ${why}; nothing is serving${this.opts.sockets.length ? ' (connections wait in the accept queue)' : ''}`);
      this.policy.startFailed(this.host.now());
      if (!this.stoppingOrStopped()) this.scheduleRestart();
    }
    this.emit('swap', result);
    return result;
  }

  private onExit(w: Worker, e: ExitInfo): void {
    if (this.standbys.exited(w)) return;
    const slot = this.slots.indexOf(w);
    const fields = { pid: w.pid, generation: w.generation, worker: w.slot, code: e.code, signal: e.signal };
    if (slot < 0 || this.stoppingOrStopped()) {
      if (slot >= 0) this.slots[slot] = null;
      this.log.info(fields, `exited (${describeExit(e)})`);
      return;
    }
    this.slots[slot] = null;
    this.slotRestarts[slot]++;
    const now = this.host.now();
    const uptime = now - w.startedAt;
    this.policy.crashed(uptime, w.readyAt === null ? 0 : now - w.readyAt, w.readyAt === null ? Infinity : w.readyAt - w.startedAt, now);
    this.log.error({ ...fields, uptimeMs: Math.round(uptime) }, `crashed (${describeExit(e)})`);
    this.emit('crash', w.snapshot());
    // Also while a swap runs (a reload still starting its generation): the standby serves the slot until the swap
    // replaces it with the new generation's worker (startBatch reads the slot at the end of the settle period).
    const standby = this.standbys.take(this.launch);
    if (standby) { this.promote(standby, slot, w); return; }
    if (!this.queue.running) this.scheduleRestart();
    // else: next() schedules the restart when the running swap is over.
  }

  /**
   * A warm standby replaces the crashed worker `crashed` in `slot` at once: PROMOTE_SIGNAL makes it attach the
   * held sockets (connections that arrived meanwhile wait in the accept queue); another standby starts behind it.
   */
  private promote(w: Worker, slot: number, crashed: Worker): void {
    w.slot = slot;
    w.restarts = this.slotRestarts[slot];
    this.slots[slot] = w;
    w.promote(PROMOTE_SIGNAL);
    this.restarts++;
    logWarning(this.log, 'WARN_HOLDFAST_STANDBY_PROMOTED', { pid: w.pid, generation: w.generation, worker: slot, replaces: crashed.pid }, `promoted standby pid ${w.pid} in place of pid ${crashed.pid}`);
    this.emit('promoted', w.snapshot());
    this.standbys.fillSoon();
  }

  private scheduleRestart(): void {
    if (this.stoppingOrStopped() || this.cancelRestart || !this.slots.includes(null)) return;
    if (this.policy.exhausted) {
      this.setState('failed');
      this.log.error({ failures: this.policy.count }, 'service failed: giving up automatic restarts until the next reload');
      return;
    }
    this.setState('restarting');
    const delay = this.policy.nextDelay();
    logWarning(this.log, 'WARN_HOLDFAST_RESTARTING', { delayMs: delay, failures: this.policy.count }, `restarting in ${delay} ms`);
    const restart = () => {
      this.cancelRestart = null;
      this.restarts++;
      void this.request('restart').catch(() => { /* stopping */ });
    };
    // No backoff (the first crash of a worker that served): spawn now, before the holder's other work on this exit
    // (the orphan scan, log lines) and without a timer turn; users wait for every millisecond of it.
    if (delay === 0) restart();
    else this.cancelRestart = this.host.setTimer(restart, delay);
  }

  /** Move along SERVICE_TRANSITIONS; an illegal move (a bug) is logged and not made. */
  private setState(s: ServiceState): void {
    if (this.state === s) return;
    if (!canTransition(this.state, s)) {
      this.log.error({ from: this.state, to: s }, `illegal service state transition ${this.state} -> ${s}; staying ${this.state}`);
      return;
    }
    this.state = s;
    this.emit('state', s);
  }

  /**
   * Stop: no new swaps, SIGTERM to every worker (SIGKILL at the drain deadline), resolve once all have exited.
   * `beforeDrain` runs once no worker can be spawned any more (state 'stopping', synchronously) and before any
   * worker is signalled: the holder releases its copy of the sockets there (socket-table.ts releaseSockets()).
   */
  async stop(beforeDrain?: () => void): Promise<void> {
    if (this.state === 'stopped') return;
    this.setState('stopping');
    beforeDrain?.();
    this.cancelRestart?.();
    this.cancelRestart = null;
    this.standbys.close();
    await Promise.all([...this.pool.live].map((w) => this.pool.drain(w)));
    this.slots.fill(null);
    this.setState('stopped');
  }

  /** SIGTERM to SIGKILL deadline of a drain, ms (--drain-timeout). */
  get drainTimeoutMs(): number { return this.opts.drainTimeoutMs; }

  /**
   * A forced stop (a second SIGINT during the stop): SIGKILL every live worker's process group now instead of waiting
   * for their drains; each drain then ends as interrupted (WARN_HOLDFAST_DRAIN_INTERRUPTED: what it served is cut).
   * @returns how many workers were killed.
   */
  killAll(): number {
    const live = [...this.pool.live].filter((w) => !w.exitInfo);
    for (const w of live) void w.kill();
    return live.length;
  }

  status(): SupervisorStatus {
    return describeSupervisor({ state: this.state, restarts: this.restarts, size: this.size, slots: this.slots, live: this.pool.live,
      queue: this.queue, lastSwap: this.lastSwap, failures: this.policy.count, maxFailures: this.opts.maxFailures });
  }
}
