import { HOLDFAST_NOTIFY } from '@holdfast/native/protocol';
import { EventEmitter } from 'node:events';
import { HANDOVER_ADDRESS_PREFIX, HANDOVER_ANNOUNCE, MAX_UNIX_PATH_BYTES, PROMOTE_MESSAGE } from '@holdfast/native';
import { HoldfastError } from './errors.js';
import type { ChildHandle, ProcessHost } from './process-host.js';
import type { WorkerState } from './service-state.js';


/** How a worker ended: exit code, or the signal that killed it. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A worker as `GET /status` shows it. */
export interface WorkerStatus {
  pid: number;
  generation: number;
  state: WorkerState;
  /** Milliseconds since spawn. */
  uptimeMs: number;
  /** Spawn to READY=1, in ms; null until ready. */
  readyMs: number | null;
  /** Last `STATUS=` text the worker sent (sd_notify(3)). */
  status: string | null;
  /** pid the worker named with MAINPID=, if any. */
  mainPid: number | null;
  /** Worker slot (0..workers-1) this process serves or served. */
  slot: number;
  /** Times this slot's worker was replaced after a crash. */
  restarts: number;
  /** Present for a warm standby not yet promoted (it accepts nothing). */
  standby?: true;
  /** Present while the worker runs at idle CPU priority (SCHED_IDLE): it started while another generation served. */
  idlePriority?: true;
}

/** How the drain of one worker ended (the 'drained' event of the supervisor, and reload/stop progress). */
export interface DrainOutcome {
  pid: number;
  generation: number;
  slot: number;
  /** SIGTERM to exit, ms. */
  drainMs: number;
  exit: ExitInfo;
  /** The holder SIGKILLed the worker's process group at the drain deadline. */
  killedAtDeadline: boolean;
  /**
   * Connections cut: counted by the holder in /proc just before its SIGKILL, or reported by the worker when its
   * own drain deadline cut them (HOLDFAST_NOTIFY); 0 when it finished on its own; null when unknown.
   */
  connectionsCut: number | null;
  /** Requests in flight that were cut, when the worker reported them; else null. */
  requestsCut: number | null;
  /**
   * ms from the drain signal to the worker's report that its own drain was over (the adapter sends
   * X_HOLDFAST_CUT_CONNECTIONS when its drain ends, 0 when nothing was cut); null when no report came (no adapter, or
   * it was still draining). With `killedAtDeadline` and `connectionsCut` 0 it tells a process that finished its drain
   * but did not exit from one that was still busy.
   */
  drainReportedMs: number | null;
}

function describeExit(e: ExitInfo): string {
  return e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
}

/**
 * One worker process of one generation. Events: 'ready' (readyMs), 'status' (text), 'watchdog' (reason),
 * 'priority' (why) and 'priority-error' (Error) (see armIdleStart), 'exit' (ExitInfo).
 * The process is its own process-group leader; SIGTERM goes to it alone and SIGKILL to its whole group
 * (systemd's KillMode=mixed), so `npm start`-style wrappers forward the graceful signal once.
 */
export class Worker extends EventEmitter {
  readonly pid: number;
  readonly generation: number;
  readonly startedAt: number;
  state: WorkerState = 'starting';
  readyAt: number | null = null;
  statusText: string | null = null;
  mainPid: number | null = null;
  exitInfo: ExitInfo | null = null;
  /** Resolves when the process has exited and been reaped. */
  readonly exited: Promise<ExitInfo>;
  private cancelKill: (() => void) | null = null;
  private cancelWatchdog: (() => void) | null = null;
  private watchdogMs = 0;
  /** A warm standby not yet promoted (standby-pool.ts). */
  standby = false;
  /** Crash restarts of this worker's slot before it was spawned (for status). */
  restarts = 0;
  /** The signal {@link drain} sends (`--kill-signal`); the worker gets its name in HOLDFAST_KILL_SIGNAL. */
  killSignal: NodeJS.Signals = 'SIGTERM';
  /** Where this worker adopts handed-over connections (its X_HOLDFAST_ADOPT announcement); null: it cannot. */
  adoptAddress: string | null = null;
  /**
   * The register hook was preloaded into this worker (a Node command, preload on): READY=1 comes when the app calls
   * listen() on a held address, or with `waitReady` (--wait-ready) when it calls process.send('ready'). null: no hook.
   */
  hook: { waitReady: boolean } | null = null;
  /** The drain deadline passed and the holder SIGKILLed the process group. */
  killedAtDeadline = false;
  /** Connections counted just before that SIGKILL (null: unknown). */
  connectionsAtDeadline: number | null = null;
  /** What the worker reported its own drain cut (HOLDFAST_NOTIFY; the adapter reports 0 when its drain finished). */
  reportedCut: { connections: number; requests: number | null } | null = null;
  /** When {@link reportedCut} arrived (host clock, ms). */
  reportedCutAt: number | null = null;
  /** The worker sent STOPPING=1 (sd_notify(3)): a drain of its own (the adapter's) began. */
  stoppingSent = false;
  /**
   * Started at idle CPU priority (SpawnRequest.idle) and not yet moved back: see {@link armIdleStart}. It ends at
   * READY=1 (a standby: at its promotion), or at the limit.
   */
  idlePriority = false;
  private cancelIdle: (() => void) | null = null;

  constructor(private readonly host: ProcessHost, child: ChildHandle, generation: number, public slot = 0) {
    super();
    this.pid = child.pid;
    this.generation = generation;
    this.startedAt = host.now();
    this.exited = new Promise((resolve) => {
      child.onExit((code, signal) => {
        this.exitInfo = { code, signal };
        this.state = 'exited';
        this.cancelKill?.();
        this.cancelWatchdog?.();
        this.cancelIdle?.();
        this.idlePriority = false;
        // Invariant 5: nothing the worker started may keep a socket once it is gone. Children left in its
        // process group get SIGKILL now.
        host.killGroup(this.pid, 'SIGKILL');
        this.emit('exit', this.exitInfo);
        resolve(this.exitInfo);
      });
    });
  }

  /**
   * Apply one parsed sd_notify(3) message from this worker (or a descendant).
   * Honours READY=1, STATUS=, MAINPID=, WATCHDOG=1, WATCHDOG=trigger, WATCHDOG_USEC=, and X_HOLDFAST_ADOPT=
   * (the worker can adopt handed-over connections at that abstract address; see handover-relay.ts).
   */
  handleNotify(fields: Map<string, string>): void {
    const usec = fields.get('WATCHDOG_USEC');
    if (usec && /^\d+$/.test(usec) && this.watchdogMs > 0) this.watchdogMs = Math.max(1, Math.round(Number(usec) / 1000));
    const wd = fields.get('WATCHDOG');
    if (wd === 'trigger') this.watchdogExpired('the worker sent WATCHDOG=trigger');
    else if ((wd === '1' || usec) && this.state !== 'starting') this.petWatchdog();
    const cut = fields.get(HOLDFAST_NOTIFY.CUT_CONNECTIONS);
    if (cut !== undefined && /^\d+$/.test(cut)) {
      const req = fields.get(HOLDFAST_NOTIFY.CUT_REQUESTS);
      this.reportedCut = { connections: Number(cut), requests: req !== undefined && /^\d+$/.test(req) ? Number(req) : null };
      this.reportedCutAt = this.host.now();
    }
    if (fields.get('STOPPING') === '1') this.stoppingSent = true;
    const status = fields.get('STATUS');
    if (status !== undefined) { this.statusText = status; this.emit('status', status); }
    const adopt = fields.get(HANDOVER_ANNOUNCE);
    if (adopt && adopt.startsWith(HANDOVER_ADDRESS_PREFIX) && Buffer.byteLength(adopt) <= MAX_UNIX_PATH_BYTES) this.adoptAddress = adopt;
    const mainPid = fields.get('MAINPID');
    if (mainPid && /^\d+$/.test(mainPid)) this.mainPid = Number(mainPid);
    if (fields.get('READY') === '1' && this.state === 'starting') {
      // Before it counts as ready: a worker serving at idle CPU priority would wait behind every other process.
      // A ready standby waits at idle priority until its promotion, however long: the limit is for start-ups. Not
      // with a watchdog: its WATCHDOG=1 must not wait for idle CPU.
      if (!this.standby || this.watchdogMs > 0) this.endIdleStart('ready');
      else { this.cancelIdle?.(); this.cancelIdle = null; }
      this.state = 'ready';
      this.readyAt = this.host.now();
      this.petWatchdog();
      this.emit('ready', this.readyAt - this.startedAt);
    }
  }

  /**
   * The worker was spawned at idle CPU priority (SCHED_IDLE, sched(7)): it runs on CPU time the serving generation
   * leaves, so a reload does not slow the requests being served. It moves back to normal priority at READY=1, a
   * standby at its promotion (a ready standby waits at idle priority), and a worker still starting after `limitMs`
   * (a machine with no idle CPU would starve its start-up).
   * Emits 'priority' (why: 'ready' | 'promoted' | 'limit') when it moved, 'priority-error' (Error) when it could not.
   */
  armIdleStart(limitMs: number): void {
    this.idlePriority = true;
    this.cancelIdle = this.host.setTimer(() => this.endIdleStart('limit'), limitMs);
  }

  /** Move the worker back to normal CPU priority now, if it is still at idle priority (see {@link armIdleStart}). */
  endIdleStart(why: 'ready' | 'promoted' | 'limit'): void {
    if (!this.idlePriority) return;
    this.idlePriority = false;
    this.cancelIdle?.();
    this.cancelIdle = null;
    try {
      this.host.endIdleStart?.(this.pid);
      this.emit('priority', why);
    } catch (err) {
      this.emit('priority-error', err);
    }
  }

  /**
   * Arm the watchdog (sd_watchdog_enabled(3)): once ready, the worker must send WATCHDOG=1 at least every
   * `ms` milliseconds (it gets WATCHDOG_USEC; sending at half that is customary). A miss emits 'watchdog' and
   * SIGKILLs the process group, so a blocked event loop is replaced like a crash. 0 disables it.
   */
  setWatchdog(ms: number): void {
    this.watchdogMs = ms;
    if (this.state === 'ready') this.petWatchdog();
  }

  private petWatchdog(): void {
    this.cancelWatchdog?.();
    this.cancelWatchdog = null;
    if (this.watchdogMs <= 0 || this.exitInfo || this.state === 'draining') return;
    const ms = this.watchdogMs;
    this.cancelWatchdog = this.host.setTimer(() => this.watchdogExpired(`no WATCHDOG=1 for ${ms} ms`), ms);
  }

  private watchdogExpired(reason: string): void {
    if (this.exitInfo || this.state === 'draining') return;
    this.emit('watchdog', reason);
    this.host.killGroup(this.pid, 'SIGKILL');
  }

  /**
   * Wait for READY=1. Resolves with spawn-to-ready milliseconds.
   * @throws HoldfastError ERR_HOLDFAST_READY_TIMEOUT after `timeoutMs` (a timeout is never "ready", Invariant 4),
   *   ERR_HOLDFAST_WORKER_EXITED if the process exits first.
   */
  waitReady(timeoutMs: number): Promise<number> {
    if (this.state === 'ready') return Promise.resolve(this.readyAt! - this.startedAt);
    if (this.exitInfo) return Promise.reject(this.exitedError(this.exitInfo));
    return new Promise((resolve, reject) => {
      const cleanup = () => { cancel(); this.off('ready', onReady); this.off('exit', onExit); };
      const onReady = (ms: number) => { cleanup(); resolve(ms); };
      const onExit = (e: ExitInfo) => { cleanup(); reject(this.exitedError(e)); };
      const cancel = this.host.setTimer(() => {
        cleanup();
        reject(new HoldfastError('ERR_HOLDFAST_READY_TIMEOUT',
          `generation ${this.generation} (pid ${this.pid}) did not send READY=1 within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on('ready', onReady);
      this.on('exit', onExit);
    });
  }

  private exitedError(e: ExitInfo): HoldfastError {
    return new HoldfastError('ERR_HOLDFAST_WORKER_EXITED',
      `generation ${this.generation} (pid ${this.pid}) ${describeExit(e)} before READY=1`);
  }

  /**
   * Drain: {@link killSignal} (SIGTERM unless `--kill-signal` says otherwise) to the worker, SIGKILL to its process
   * group at `timeoutMs`. Resolves when it has exited. `countConnections` runs just before that SIGKILL (its answer
   * is kept in `connectionsAtDeadline`).
   */
  drain(timeoutMs: number, countConnections?: () => number | null): Promise<ExitInfo> {
    if (this.exitInfo) return this.exited;
    if (this.state !== 'draining') {
      this.state = 'draining';
      this.cancelWatchdog?.();
      // To the main process (sd_notify MAINPID=, as systemd does): under a wrapper such as npm the server itself
      // drains, and the wrapper does not forward a second signal that would cut the drain short.
      this.host.kill(this.mainPid ?? this.pid, this.killSignal);
      this.cancelKill = this.host.setTimer(() => {
        if (this.exitInfo) return;
        this.killedAtDeadline = true;
        try { this.connectionsAtDeadline = countConnections?.() ?? null; } catch { this.connectionsAtDeadline = null; }
        this.host.killGroup(this.pid, 'SIGKILL');
      }, timeoutMs);
    }
    return this.exited;
  }

  /**
   * Promote a warm standby: it attaches its inherited fds and serves from then on. Told with PROMOTE_MESSAGE on its
   * announced receiver; with `signal` (PROMOTE_SIGNAL) only when it announced none or the message cannot go.
   */
  promote(signal: NodeJS.Signals): void {
    this.standby = false;
    this.endIdleStart('promoted');
    if (this.adoptAddress && this.host.message(this.adoptAddress, `${PROMOTE_MESSAGE}=1`)) return;
    this.host.kill(this.pid, signal);
  }

  /** SIGKILL the whole process group at once (a failed new generation). Resolves when it has exited. */
  kill(): Promise<ExitInfo> {
    if (!this.exitInfo) {
      this.state = 'draining';
      this.host.killGroup(this.pid, 'SIGKILL');
    }
    return this.exited;
  }

  /** Snapshot for `GET /status`. */
  snapshot(): WorkerStatus {
    return {
      pid: this.pid,
      generation: this.generation,
      state: this.state,
      uptimeMs: Math.round(this.host.now() - this.startedAt),
      readyMs: this.readyAt === null ? null : Math.round(this.readyAt - this.startedAt),
      status: this.statusText,
      mainPid: this.mainPid,
      slot: this.slot,
      restarts: this.restarts,
      ...(this.standby ? { standby: true as const } : {}),
      ...(this.idlePriority ? { idlePriority: true as const } : {}),
    };
  }
}

export { describeExit };
