/**
 * The supervisor's vocabulary: what it runs (LaunchSpec, SupervisorOptions), what a swap returns, what status
 * shows, and the events it emits (a typed map).
 */
import type { BackoffOptions } from './restart-policy.js';
import type { PreloadOptions } from './preload.js';
import type { HoldfastError } from './errors.js';
import type { ServiceState } from './service-state.js';
import type { HeldSocket } from './socket-table.js';
import type { SwapKind } from './swap-queue.js';
import type { DrainOutcome, Worker, WorkerStatus } from './worker.js';

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
  /** A deploy's own variables and env files (`holdfast reload --env/--env-file`), applied after the holder's. */
  envVars?: Record<string, string>;
  envFiles?: string[];
}

/** How a reload replaces N workers: `rolling` (maxExtra at a time) or `all-at-once` (N new, then N old drain). */
export type ReloadStrategy = 'rolling' | 'all-at-once';

/** What to run and how long to wait. Durations in milliseconds. Checked by resolveSupervisorOptions(). */
export interface SupervisorOptions extends LaunchSpec {
  /** Environment for workers (LISTEN_* and NOTIFY_SOCKET are added per worker: worker-env.ts). */
  env: NodeJS.ProcessEnv;
  sockets: HeldSocket[];
  /** Spawn to READY=1 deadline, > 0. */
  readyTimeoutMs: number;
  /** SIGTERM to SIGKILL deadline for an old generation, >= 0. */
  drainTimeoutMs: number;
  /** Worker processes sharing the sockets, >= 1. Default 1. */
  workers?: number;
  /** Default 'rolling'. */
  reloadStrategy?: ReloadStrategy;
  /**
   * Processes allowed beyond `workers` at any moment, counting starting and draining ones; bounds memory during
   * a swap. Default 1 for rolling (also its batch size), `workers` for all-at-once.
   */
  maxExtra?: number;
  /**
   * After READY=1 the new worker serves at once, and the old one keeps accepting beside it for this long before
   * it drains: a new worker dying within it is a failed start, rolled back with nothing to restart (the old one
   * was never signalled). Off the critical path: the new generation counts as serving at READY=1. Default 300 ms.
   */
  settleMs?: number;
  /**
   * Warm standbys (standby-pool.ts): extra workers of the serving release, ready but not accepting, one of which
   * replaces a crashed worker at once (PROMOTE_SIGNAL). Each costs one worker's memory. Default 0.
   */
  standby?: number;
  /**
   * A worker started while another one serves (a reload, a standby, a crash restart beside other workers) runs at
   * idle CPU priority (SCHED_IDLE, sched(7)) until READY=1 (a standby: until promoted), at most this long (ms, capped
   * at half of readyTimeoutMs); 0: normal priority. Needs a host that can end it (CAP_SYS_NICE or RLIMIT_NICE 20).
   * Default DEFAULT_IDLE_START_MS (5000).
   */
  idleStartMs?: number;
  /** Watchdog interval handed to workers as WATCHDOG_USEC; 0 disables. Default 0. */
  watchdogMs?: number;
  backoff?: BackoffOptions;
  /** Consecutive failed starts/crashes before the service is marked failed and automatic restarts stop. Default 10. */
  maxFailures?: number;
  /**
   * The base environment of each generation instead of `env` (env-files.ts GenerationEnv); may throw to fail the
   * start. `crashRestartOf`: set for a crash restart, the generation the slot ran (whose environment it may reuse).
   */
  envFor?: (generation: number, launch: LaunchSpec, crashRestartOf?: number) => NodeJS.ProcessEnv;
  /** The signal that asks a worker to drain (`--kill-signal`). Default SIGTERM. */
  killSignal?: NodeJS.Signals;
  /** Preload the adapter's register hook into Node commands (preload.ts); undefined = never. */
  preload?: PreloadOptions;
  /**
   * Called for the first failed worker of a batch before the batch is killed (so /proc still shows it if it runs):
   * returns the error to report instead, e.g. with a diagnosis (diagnose.ts). Must not throw.
   */
  explainFailure?: (worker: Worker, error: HoldfastError) => Promise<HoldfastError>;
}

/** Outcome of one swap. `pid`/`replaced` name the first worker of a multi-worker swap. */
export type SwapResult =
  | { ok: true; generation: number; pid: number; pids: number[]; readyMs: number; replaced: number | null; replacedPids: number[] }
  | { ok: false; generation: number; pid: number | null; error: HoldfastError };

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
  /** The last swap and what started it: the first start, a crash restart or a reload. */
  lastSwap: (Omit<SwapResult, 'error'> & { kind: SwapKind; error?: { code: string; message: string; hint: string; diagnosis?: unknown } }) | null;
  /** Consecutive failed starts and crashes (reset by a worker that stays up; `failed` at maxFailures). */
  failures: number;
  maxFailures: number;
}

/** A drained worker has exited: on its own, or killed at the drain deadline (see DrainOutcome). */
export type DrainedEvent = DrainOutcome;

/** A batch of new workers got ready and replaced the ones in their slots (one per batch of a rolling swap). */
export interface BatchReady { generation: number; pids: number[]; readyMs: number; replacedPids: number[] }

/**
 * A new generation sent READY=1 in every slot a swap replaces and serves from now on; `replacedPids` keep
 * accepting beside it for the settle period, then drain. The swap itself ends after the settle period.
 */
export interface ServingEvent {
  generation: number;
  pids: number[];
  /** Spawn to READY=1, in ms (the slowest worker of the generation). */
  readyMs: number;
  replacedPids: number[];
}

/** The supervisor's events and their arguments. */
export interface SupervisorEvents {
  /** A swap begins (the first one after a reload() call is that reload's: Invariant 3). */
  'swap-start': [{ kind: SwapKind; generation: number }];
  /** A worker process exists. */
  spawn: [WorkerStatus];
  /** A new generation serves (READY=1 in every slot the swap replaces); its settle period begins. */
  serving: [ServingEvent];
  /** A batch of new workers is ready and settled; the workers it replaced begin draining. */
  ready: [BatchReady];
  /** A swap is over (ok, or rolled back / failed). */
  swap: [SwapResult];
  /** A serving worker exited without being asked to. */
  crash: [WorkerStatus];
  /** A warm standby took a crashed worker's slot (it attaches the held sockets now). */
  promoted: [WorkerStatus];
  /** A drained worker has exited (each one once: replaced, or at stop), with what the deadline cut. */
  drained: [DrainedEvent];
  /** The service state changed. */
  state: [ServiceState];
}
