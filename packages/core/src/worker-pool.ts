/**
 * The live worker processes of one supervisor: spawning one with its environment (worker-env.ts) and the held
 * sockets at fds 3.., waiting until it is ready and settled, bounding how many run at once, and draining a
 * replaced one. Invariant 5: every process spawned here stays in `live` until it has exited and been reaped.
 */
import type { Logger } from 'pino';
import { logWarning } from './warnings.js';
import { HoldfastError } from './errors.js';
import type { ProcessHost } from './process-host.js';
import type { ResolvedSupervisorOptions } from './supervisor-options.js';
import type { DrainedEvent, LaunchSpec, NotifyRegistry } from './supervisor-types.js';
import { acceptedConnections, processTree } from './proc-sockets.js';
import { describeExit, Worker, type DrainOutcome } from './worker.js';
import { backlogOf, workerEnv } from './worker-env.js';
import { commandKind, withPreload, type PreloadOptions } from './preload.js';

/** What the pool tells its owner. */
export interface WorkerPoolEvents {
  /** A worker process exists (already in `live`; the pool removes it on exit before other 'exit' listeners run). */
  spawned(w: Worker): void;
  /** A drained worker has exited. */
  drained(d: DrainedEvent): void;
}

export class WorkerPool {
  /** Every worker process not yet exited: starting, ready and draining ones. */
  readonly live = new Set<Worker>();
  private readonly drains = new Map<Worker, Promise<DrainOutcome>>();

  /** Longest idle-priority start, ms (opts.idleStartMs, capped at half the ready timeout); 0 once it failed. */
  private idleStartMs: number;

  constructor(private readonly opts: ResolvedSupervisorOptions, private readonly host: ProcessHost,
    private readonly notify: NotifyRegistry, private readonly log: Logger, private readonly events: WorkerPoolEvents) {
    this.idleStartMs = host.endIdleStart ? Math.min(opts.idleStartMs, Math.floor(opts.readyTimeoutMs / 2)) : 0;
  }

  /** Does a worker of this pool serve now (ready, attached, not draining)? */
  private serving(): boolean {
    for (const w of this.live) if (w.state === 'ready' && !w.standby) return true;
    return false;
  }

  /** Is `pid` a live worker of this pool? */
  has(pid: number): boolean {
    for (const w of this.live) if (w.pid === pid) return true;
    return false;
  }

  private lastPreload = '';

  /** `env` with the register hook preloaded when `launch` runs a Node program; says so once per command. */
  private preloaded(env: NodeJS.ProcessEnv, launch: LaunchSpec, preload: PreloadOptions): NodeJS.ProcessEnv {
    const kind = commandKind(launch.command, launch.cwd, env);
    const key = `${launch.command}\0${kind.kind}`;
    if (key !== this.lastPreload) {
      this.lastPreload = key;
      if (kind.problem) logWarning(this.log, 'WARN_HOLDFAST_NESTED_SUPERVISOR', { command: launch.command }, `${launch.command} cannot be run under holdfast as it is: ${kind.problem}`);
      else if (kind.kind !== 'other') this.log.info({ command: launch.command, wrapper: kind.kind === 'wrapper' }, `Node program: preloading the register hook (${preload.registerPath}) so that its listen() takes the held sockets; --no-preload turns this off`);
    }
    const out = withPreload(env, kind, preload);
    this.lastHook = kind.kind === 'other' ? null : { waitReady: preload.waitReady === true };
    return out;
  }

  /** What {@link preloaded} decided for the last spawn: the register hook (and --wait-ready) or none. */
  private lastHook: Worker['hook'] = null;

  /**
   * Spawn one worker of `generation` in `slot` on `launch`, with the sockets at fds 3.. and its environment.
   * @param restarts crash restarts of the slot so far (for status).
   * @param role `standby: true` starts a warm standby (HOLDFAST_STANDBY=1: ready but not accepting until promoted);
   *   `envOf`: a crash restart of a slot last running that generation (its environment is the fallback when an env
   *   file cannot be read).
   * @throws whatever ProcessHost.spawn throws (the caller kills the rest of its batch).
   */
  spawn(generation: number, launch: LaunchSpec, slot: number, restarts: number, role: { standby?: boolean; envOf?: number } = {}): Worker {
    const { sockets, watchdogMs } = this.opts;
    let env = workerEnv({
      base: this.opts.envFor?.(generation, launch, role.envOf) ?? this.opts.env, killSignal: this.opts.killSignal,
      socketNames: sockets.map((s) => s.name), socketBacklogs: sockets.map(backlogOf),
      notifySocket: this.notify.path, generation, slot, drainTimeoutMs: this.opts.drainTimeoutMs, watchdogMs, standby: role.standby,
    });
    this.lastHook = null;
    if (this.opts.preload) env = this.preloaded(env, launch, this.opts.preload);
    // Idle CPU priority only beside a serving worker, whose requests it must not slow: with nothing serving (the
    // first start, a crash of the only worker) the fastest start is what users wait for.
    const idle = this.idleStartMs > 0 && this.serving();
    const child = this.host.spawn({ command: launch.command, args: launch.args, cwd: launch.cwd, env, fds: sockets.map((s) => s.fd), idle });
    const w = new Worker(this.host, child, generation, slot);
    if (idle) this.armIdleStart(w);
    w.restarts = restarts;
    w.hook = this.lastHook;
    w.standby = role.standby === true;
    w.killSignal = this.opts.killSignal ?? w.killSignal;
    if (watchdogMs > 0) w.setWatchdog(watchdogMs);
    this.live.add(w);
    w.once('exit', () => this.live.delete(w));
    this.notify.add(w);
    const f = { pid: w.pid, generation, worker: slot, ...(w.standby ? { standby: true } : {}) };
    w.on('status', (text: string) => this.log.info({ ...f, status: text }, 'worker status'));
    w.on('watchdog', (reason: string) => this.log.error({ ...f, reason }, `watchdog: ${reason}; killing the worker`));
    this.log.info(f, 'spawned');
    this.events.spawned(w);
    return w;
  }

  private armIdleStart(w: Worker): void {
    const limitMs = this.idleStartMs;
    w.armIdleStart(limitMs);
    const f = { pid: w.pid, generation: w.generation, worker: w.slot };
    w.on('priority', (why: string) => {
      if (why === 'limit') this.log.info({ ...f, idleStartMs: limitMs }, `still starting after ${limitMs} ms at idle CPU priority (the machine had no CPU time to spare): continuing at normal priority`);
      else this.log.debug({ ...f, why }, 'normal CPU priority');
    });
    w.on('priority-error', (err: Error) => {
      if (this.idleStartMs === 0) return;
      this.idleStartMs = 0;
      logWarning(this.log, 'WARN_HOLDFAST_IDLE_START_FAILED', { ...f, err: err.message },
        `cannot move pid ${w.pid} back to normal CPU priority (${err.message}): it runs at idle priority until it exits; new workers start at normal priority from now on. Give the holder CAP_SYS_NICE or an RLIMIT_NICE of 20, or run with --idle-start 0`);
    });
  }

  /**
   * READY=1 before the deadline. Resolves with spawn-to-ready ms.
   * @throws HoldfastError ERR_HOLDFAST_READY_TIMEOUT / ERR_HOLDFAST_WORKER_EXITED (the worker exited first).
   */
  ready(w: Worker): Promise<number> {
    return w.waitReady(this.opts.readyTimeoutMs);
  }

  /**
   * Still alive `settleMs` after READY=1 (the worker already serves meanwhile).
   * @throws HoldfastError ERR_HOLDFAST_WORKER_EXITED when it exited within `settleMs` of READY=1.
   */
  async settled(w: Worker): Promise<void> {
    const { settleMs } = this.opts;
    if (settleMs > 0 && !w.exitInfo) {
      let cancel = () => {};
      const settled = new Promise<void>((r) => { cancel = this.host.setTimer(r, settleMs); });
      await Promise.race([settled, w.exited]);
      cancel();
    }
    if (w.exitInfo) {
      throw new HoldfastError('ERR_HOLDFAST_WORKER_EXITED',
        `generation ${w.generation} (pid ${w.pid}) ${describeExit(w.exitInfo)} right after READY=1 (within ${settleMs} ms)`);
    }
  }

  /** Wait until `n` more processes fit under `max` (draining ones exit within their deadline). */
  async capacity(n: number, max: number): Promise<void> {
    while (this.live.size + n > max) {
      const draining = [...this.live].filter((w) => w.state === 'draining' || w.state === 'exited');
      if (draining.length === 0) return;
      this.log.debug({ live: this.live.size, max }, 'waiting for draining workers to exit before spawning');
      await Promise.race(draining.map((w) => w.exited));
    }
  }

  /**
   * SIGTERM a worker (SIGKILL at the drain deadline). Resolves once it has exited, with how (once per worker,
   * however often it is asked), and reports that as 'drained'. Connections are counted in /proc just before a
   * SIGKILL, so the outcome says what the deadline cut; a worker whose own deadline cut connections says so with
   * HOLDFAST_NOTIFY before it exits.
   */
  drain(old: Worker): Promise<DrainOutcome> {
    const known = this.drains.get(old);
    if (known) return known;
    const f = { pid: old.pid, generation: old.generation, worker: old.slot };
    this.log.info(f, 'draining');
    const t0 = this.host.now();
    const ports = new Set(this.opts.sockets.flatMap((s) => { const m = /^tcp:\/\/.*:(\d+)$/.exec(s.bound); return m ? [Number(m[1])] : []; }));
    const count = () => (this.host.openConnections ? this.host.openConnections(old.pid, ports) : acceptedConnections(processTree(old.pid), ports));
    const p = old.drain(this.opts.drainTimeoutMs, count).then(async (exit) => {
      const drainMs = Math.round(this.host.now() - t0);
      // The worker's last sd_notify (what its own deadline cut) may be read just after its exit.
      await new Promise((r) => setImmediate(r));
      const reported = old.reportedCut;
      const reportedMs = reported && old.reportedCutAt !== null && old.reportedCutAt >= t0 ? Math.round(old.reportedCutAt - t0) : null;
      // Killed by another signal than ours before its drain said it was over (a user's SIGKILL, the OOM killer): what it
      // still served is lost, and how much is not known.
      const killedMidDrain = !old.killedAtDeadline && exit.signal !== null && exit.signal !== old.killSignal && reportedMs === null;
      const outcome: DrainOutcome = {
        pid: old.pid, generation: old.generation, slot: old.slot, drainMs, exit,
        killedAtDeadline: old.killedAtDeadline,
        connectionsCut: old.killedAtDeadline ? cutAtKill(old.connectionsAtDeadline, reported?.connections, old.stoppingSent)
          : killedMidDrain ? null : reported ? reported.connections : 0,
        requestsCut: reported?.requests ?? null,
        drainReportedMs: reportedMs,
      };
      if (old.killedAtDeadline && outcome.connectionsCut === 0) {
        const why = reportedMs !== null ? `its drain finished after ${reportedMs} ms but the process did not exit` : 'no connection was open, but the process did not exit';
        logWarning(this.log, 'WARN_HOLDFAST_DRAIN_LINGERED', { ...f, drainMs, drainReportedMs: reportedMs, connectionsCut: 0 },
          `${why}; killed at the drain deadline after ${drainMs} ms; 0 connections cut`);
      } else if (old.killedAtDeadline) {
        const cut = outcome.connectionsCut === null ? 'connections cut: unknown' : `${outcome.connectionsCut} connection(s) cut`;
        logWarning(this.log, 'WARN_HOLDFAST_DRAIN_KILLED', { ...f, drainMs, connectionsCut: outcome.connectionsCut }, `killed at the drain deadline after ${drainMs} ms; ${cut}`);
      } else if (killedMidDrain) {
        logWarning(this.log, 'WARN_HOLDFAST_DRAIN_INTERRUPTED', { ...f, drainMs, signal: exit.signal, connectionsCut: null },
          `killed by ${exit.signal} after ${drainMs} ms, before its drain finished: what it still served was cut (how much is unknown)`);
      } else if (reported && reported.connections > 0) {
        logWarning(this.log, 'WARN_HOLDFAST_DRAIN_CUT', { ...f, drainMs, connectionsCut: reported.connections, requestsCut: reported.requests },
          `exited after ${drainMs} ms; its own drain deadline cut ${reported.connections} connection(s)`);
      } else {
        this.log.info({ ...f, drainMs, ...exit }, `drained in ${drainMs} ms`);
      }
      this.events.drained(outcome);
      return outcome;
    });
    this.drains.set(old, p);
    void p.finally(() => this.drains.delete(old));
    return p;
  }
}

/**
 * Connections cut when the holder SIGKILLed a worker at the drain deadline, from two counts of one shrinking set:
 * after the drain signal the worker accepts nothing new, so the connections open at any later moment are a subset of
 * those open at any earlier one. `openAtKill` is the holder's /proc count just before its SIGKILL (null when
 * unreadable); `reportedByWorker` what the worker's own drain deadline (the same --drain-timeout, firing at about the
 * same moment) destroyed, or 0 when its drain finished (undefined: no report came). Whichever moment came first saw
 * a superset of the other, so the answer is the larger of the two, never their sum (one connection seen by both is
 * one connection). Without a report, /proc alone is the answer, except when it saw none while the worker's own
 * drain was still running (`drainBegun`: it sent STOPPING=1): its deadline may have just destroyed connections whose
 * report the SIGKILL lost, so how many were cut is unknown (null). Null also when neither count is known.
 */
export function cutAtKill(openAtKill: number | null, reportedByWorker: number | undefined, drainBegun = false): number | null {
  if (reportedByWorker !== undefined) return openAtKill === null ? reportedByWorker : Math.max(openAtKill, reportedByWorker);
  if (openAtKill === null) return null;
  return openAtKill === 0 && drainBegun ? null : openAtKill;
}
