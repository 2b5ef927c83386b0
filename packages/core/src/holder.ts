import type { Logger } from 'pino';
import { logWarning } from './warnings.js';
import { statSync } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import type { ControlApp } from './control-http.js';
import { startControlServer } from './control-server.js';
import { assertDirectory, resolveCommand } from './command.js';
import { HoldfastError } from './errors.js';
import { createLogger } from './log.js';
import { realProcessHost, type ProcessHost } from './process-host.js';
import { NotifyHub } from './readiness.js';
import { closeSockets, releaseSockets, type HeldSocket } from './socket-table.js';
import { Supervisor, type BatchReady, type LaunchSpec, type SupervisorStatus, type SwapResult } from './supervisor.js';
import type { DrainOutcome } from './worker.js';
import { ownListeners, processTree, socketInodeOfFd } from './proc-sockets.js';
import { createMetrics, type HolderMetrics } from './metrics.js';
import { drainEvent, reloadProgressStream } from './reload-progress.js';
import { SystemdPeer } from './systemd-peer.js';
import { OrphanReaper } from './orphan-reaper.js';
import { startHealthServer, type HealthServer, type Readiness } from './health-server.js';
import { GenerationEnv } from './env-files.js';
import type { MemoryWatch } from './memory-watch.js';
import { failureReporter } from './failure-report.js';
import { WorkerOutput } from './worker-output.js';
import { openSocketsRetrying } from './socket-open-retry.js';
import { DEFAULT_OUTPUT, type HolderOptions } from './holder-options.js';
import { NO_SOCKET_WARNING, ownListenerWarning, withoutValues, type HolderStatus } from './holder-status.js';
import { implausibleDurations } from './duration-warnings.js';
import { generationServing } from './service-state.js';

export type { HolderOptions, OnFailed } from './holder-options.js';
export { NO_SOCKET_WARNING, type HolderStatus } from './holder-status.js';

/**
 * The holder: opens the sockets once, runs the supervisor, serves the control API, handles signals
 * (SIGHUP reloads; SIGTERM and SIGINT stop gracefully).
 */
export class Holder {
  readonly log: Logger;
  readonly supervisor: Supervisor;
  /** Prometheus metrics (`GET /metrics`). */
  readonly metrics: HolderMetrics;
  /** The copy of the workers' stdout/stderr and the buffer `holdfast logs` reads. */
  readonly output: WorkerOutput;
  /** Resolves when the holder has fully stopped (workers gone, sockets closed). */
  readonly stopped: Promise<void>;
  private resolveStopped!: () => void;
  private stopping: Promise<void> | null = null;
  /** sd_notify to our own supervisor (systemd) when NOTIFY_SOCKET was set; see systemd-peer.ts. */
  private peer: SystemdPeer | null = null;
  /** Reaps and, at the final stop, ends processes orphaned by workers (orphan-reaper.ts). */
  private readonly reaper: OrphanReaper;
  private control: ControlApp | null = null;
  private health: HealthServer | null = null;
  private memory: MemoryWatch | null = null;
  /** Each generation's environment (env files are read again for every one). */
  readonly env: GenerationEnv;
  /** Set by SIGTERM with --shutdown-delay: /readyz says 503 while the workers keep serving. */
  private delay: { end: () => void } | null = null;
  /** Why the holder stopped: 'failed' when --on-failed exit ended it (the CLI exits 1 then). */
  stopReason: 'stop' | 'failed' = 'stop';
  /** Listening sockets a live worker opened itself (pid -> tcp://ADDR:PORT), found after its READY=1. */
  private readonly ownListeners = new Map<number, string[]>();
  /** Own-listener checks waiting for the workers their generation replaced to be gone. */
  private readonly listenerChecks: { pids: number[]; after: Set<number> }[] = [];
  /** Called once the held sockets are closed, before the control API goes away (stop progress streams). */
  private readonly onSocketsClosed: (() => Promise<void>)[] = [];
  private readonly signalHandlers: [NodeJS.Signals, () => void][] = [];

  private constructor(readonly opts: HolderOptions, readonly sockets: HeldSocket[], private readonly notify: NotifyHub, log: Logger) {
    this.log = log;
    this.stopped = new Promise((r) => { this.resolveStopped = r; });
    this.env = new GenerationEnv(opts.env ?? process.env, { files: opts.envFiles, vars: opts.envVars });
    this.output = new WorkerOutput(opts.output ?? DEFAULT_OUTPUT);
    this.supervisor = new Supervisor({
      command: opts.command, args: opts.args, cwd: opts.cwd ?? process.cwd(), env: opts.env ?? process.env, sockets,
      envFor: (generation, launch, crashRestartOf) => this.env.for(generation, { files: launch.envFiles, vars: launch.envVars },
        crashRestartOf === undefined ? undefined : { generation: crashRestartOf, onFallback: (err) => logWarning(log, 'WARN_HOLDFAST_ENV_FILE_FALLBACK', { generation, from: crashRestartOf },
          `crash restart: ${err.message}; generation ${generation} starts with the environment generation ${crashRestartOf} was started with (a reload reads the file again and fails until it is back)`) }), killSignal: opts.killSignal,
      readyTimeoutMs: opts.readyTimeoutMs ?? 30_000, drainTimeoutMs: opts.drainTimeoutMs ?? 30_000,
      backoff: opts.backoff, maxFailures: opts.maxFailures,
      workers: opts.workers, reloadStrategy: opts.reloadStrategy, maxExtra: opts.maxExtra,
      settleMs: opts.settleMs, watchdogMs: opts.watchdogMs, preload: opts.preload, standby: opts.standby,
      idleStartMs: idleStartAvailable(opts.host ?? realProcessHost, opts.idleStartMs, log),
      explainFailure: failureReporter(sockets, this.output, () => generationServing(this.supervisor.status())),
    }, this.output.wrap(opts.host ?? realProcessHost), notify, log);
    this.metrics = createMetrics(this.supervisor, { output: this.output, handover: notify.handover });
    this.reaper = new OrphanReaper((pid) => this.supervisor.isWorkerPid(pid), log);
    if (opts.onFailed === 'exit') {
      this.supervisor.on('state', (s) => {
        if (s !== 'failed') return;
        this.log.error('service failed and --on-failed is exit: stopping the holder (exit 1) so that its own supervisor restarts it');
        this.stopReason = 'failed';
        void this.stop();
      });
    }
    // The own-listener check reads /proc: after the generation it replaced has drained, never during the drain,
    // when the holder relays the connection hand-over and must answer at once.
    this.supervisor.on('ready', (b: BatchReady) => { this.listenerChecks.push({ pids: b.pids, after: new Set(b.replacedPids) }); this.runListenerChecks(); });
    this.supervisor.on('drained', (d: DrainOutcome) => { this.ownListeners.delete(d.pid); this.runListenerChecks(d.pid); });
    this.supervisor.on('crash', (w: { pid: number }) => { this.ownListeners.delete(w.pid); this.runListenerChecks(w.pid); });
  }

  /** Run the own-listener checks whose replaced workers are all gone (`gone`: one that just drained or crashed). */
  private runListenerChecks(gone?: number): void {
    for (const c of [...this.listenerChecks]) {
      if (gone !== undefined) c.after.delete(gone);
      if ([...c.after].some((pid) => this.supervisor.isWorkerPid(pid))) continue;
      this.listenerChecks.splice(this.listenerChecks.indexOf(c), 1);
      setImmediate(() => this.checkOwnListeners(c.pids));
    }
  }

  /**
   * Invariant 2: a worker must serve the held sockets, not a port of its own. Once per new worker, after READY=1:
   * its (and its children's) listening TCP sockets that are not the held ones, from /proc.
   */
  private checkOwnListeners(pids: number[]): void {
    const held = new Set(this.sockets.map((s) => socketInodeOfFd(s.fd)).filter((i): i is number => i !== null));
    for (const pid of pids) {
      if (!this.supervisor.isWorkerPid(pid)) continue;
      const own = ownListeners(processTree(pid), held);
      if (own.length === 0) continue;
      this.ownListeners.set(pid, own);
      logWarning(this.log, 'WARN_HOLDFAST_OWN_LISTENER', { pid, listening: own }, `${ownListenerWarning(pid, own)}`);
    }
  }

  /**
   * Validate, open the sockets, bind the notify and control sockets, start generation 1.
   * Nothing is half-started on failure: what was opened is closed again.
   * @throws HoldfastError ERR_HOLDFAST_COMMAND_NOT_FOUND, ERR_HOLDFAST_SOCKET_OPEN, ERR_HOLDFAST_DUPLICATE_SOCKET,
   *   ERR_HOLDFAST_CONTROL_IN_USE.
   */
  static async start(opts: HolderOptions): Promise<Holder> {
    const log = opts.logger ?? createLogger();
    const cwd = opts.cwd ?? process.cwd();
    assertDirectory(cwd, '--cwd');
    resolveCommand(opts.command, cwd, opts.env ?? process.env);
    new GenerationEnv({}, { files: opts.envFiles }).check();
    const sockets = await openSocketsRetrying(opts.sockets, opts.bindRetryMs ?? 2000, log);
    let notify: NotifyHub | null = null;
    let health: HealthServer | null = null;
    try {
      notify = new NotifyHub(log);
      const holder = new Holder(opts, sockets, notify, log);
      // Before the control API, so a --health address in use leaves nothing listening.
      if (opts.health) {
        holder.health = health = await startHealthServer(opts.health, { readiness: () => holder.readiness(), metrics: () => holder.metrics.render() });
        log.info({ health: holder.health.bound }, 'health probes listening: /livez /readyz /metrics');
      }
      holder.control = await startControlServer(opts.controlPath, {
        status: () => holder.status(),
        reload: (launch) => holder.reload(launch),
        stop: () => void holder.terminate(),
        metrics: () => holder.metrics.render(),
        reloadProgress: (launch) => reloadProgressStream(holder.supervisor, () => holder.reload(launch), () => generationServing(holder.supervisor.status())),
        stopProgress: () => holder.stopProgress(),
        logs: holder.output.ring,
      });
      for (const s of sockets) log.info({ name: s.name, bound: s.bound }, 'holding socket');
      if (sockets.length === 0) logWarning(log, 'WARN_HOLDFAST_NO_SOCKET', {}, NO_SOCKET_WARNING);
      for (const w of implausibleDurations(opts)) logWarning(log, 'WARN_HOLDFAST_IMPLAUSIBLE_DURATION', {}, w);
      log.info({ controlPath: opts.controlPath }, 'control API listening');
      if (opts.maxMemoryBytes) {
        // Loaded only here: it registers prom-client metrics, which a holder without --max-memory loads on the first scrape.
        const [{ MemoryWatch }, registry] = await Promise.all([import('./memory-watch.js'), holder.metrics.registry()]);
        holder.memory = new MemoryWatch(opts.maxMemoryBytes, holder.supervisor, log, registry);
        holder.memory.start();
      }
      holder.peer = SystemdPeer.fromEnv(log)?.attach(holder.supervisor, sockets) ?? null;
      holder.reaper.start();
      void holder.supervisor.start();
      return holder;
    } catch (err) {
      await health?.close();
      notify?.close();
      closeSockets(sockets, { unlink: true });
      throw err;
    }
  }

  /**
   * Blue-green reload; see Supervisor.reload. `launch` deploys another command or directory: it is validated
   * first (ERR_HOLDFAST_COMMAND_NOT_FOUND) and kept only if its generation gets ready.
   */
  async reload(launch: Partial<LaunchSpec> = {}): Promise<SwapResult> {
    try {
      launch = this.checkReload(launch);
    } catch (err) {
      // Refused before a generation number is taken: nothing started, nothing to roll back.
      const e = err as HoldfastError;
      this.log.error({ code: e.code, hint: e.hint }, `reload refused: ${e.message}; nothing was started`);
      throw err;
    }
    this.peer?.reloading();
    return this.supervisor.reload(launch);
  }

  /**
   * The input of a reload, checked before anything starts: the holder not stopping, every env file readable, the
   * deploy's directory and command existing. Returns `launch` with a deploy's env layer made whole.
   * @throws HoldfastError ERR_HOLDFAST_STOPPING, ERR_HOLDFAST_ENV_FILE, ERR_HOLDFAST_INVALID_OPTION, ERR_HOLDFAST_COMMAND_NOT_FOUND.
   */
  private checkReload(launch: Partial<LaunchSpec>): Partial<LaunchSpec> {
    if (this.delay) throw new HoldfastError('ERR_HOLDFAST_STOPPING', 'the holder is stopping (SIGTERM, within --shutdown-delay)');
    if (launch.envVars !== undefined || launch.envFiles !== undefined) {
      // A deploy's env layer is replaced as a whole: --env without --env-file drops the previous deploy's files.
      launch = { ...launch, envVars: launch.envVars ?? {}, envFiles: launch.envFiles ?? [] };
    }
    // Every env file the new generation would read (the holder's and the deploy's, kept from an earlier reload or
    // given now) is input, checked before a generation number is taken: one that cannot be read refuses the reload
    // (ERR_HOLDFAST_ENV_FILE, exit 2) with nothing started, rather than spawning nothing and calling it a rollback.
    this.env.check({ files: launch.envFiles ?? this.supervisor.launchSpec.envFiles });
    if (launch.command !== undefined || launch.cwd !== undefined) {
      const next = { ...this.supervisor.launchSpec, ...launch };
      const dir = statSync(next.cwd, { throwIfNoEntry: false });
      if (!dir?.isDirectory()) {
        throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `cannot deploy ${next.cwd}: ${dir ? 'it is not a directory' : 'the directory does not exist'}`,
          { hint: 'Pass --cwd a directory that exists where the holder runs (relative to the holder\'s own directory); nothing was started and the running generation keeps serving.' });
      }
      resolveCommand(next.command, next.cwd, this.opts.env ?? process.env);
    }
    return launch;
  }

  status(): HolderStatus {
    const s = this.supervisor.status();
    const r = this.readiness(s);
    return {
      ...s,
      state: r.state as SupervisorStatus['state'],
      holderPid: process.pid,
      controlPath: this.opts.controlPath,
      sockets: this.sockets.map((x) => ({ name: x.name, spec: x.spec, bound: x.bound })),
      launch: withoutValues(this.supervisor.launchSpec),
      ready: r.ready,
      health: this.health?.bound ?? null,
      env: this.env.describe(s.workers.map((w) => w.generation)),
      warnings: [
        ...(this.sockets.length === 0 ? [NO_SOCKET_WARNING] : []),
        ...implausibleDurations(this.opts),
        ...[...this.ownListeners].filter(([pid]) => this.supervisor.isWorkerPid(pid)).map(([pid, own]) => ownListenerWarning(pid, own)),
      ],
      output: this.output.status(),
    };
  }

  /**
   * What `/readyz` and `holdfast status --check` report: ready while a generation serves and the service is neither
   * stopping (a SIGTERM arrived, --shutdown-delay included) nor failed. Cheap: read from memory.
   */
  readiness(s: SupervisorStatus = this.supervisor.status()): Readiness {
    const state = this.delay && s.state !== 'stopped' ? 'stopping' : s.state;
    return { ready: s.generation > 0 && state !== 'stopping' && state !== 'stopped' && state !== 'failed', state, generation: s.generation };
  }

  /**
   * SIGTERM (and `POST /stop`): with --shutdown-delay, first report not ready on /readyz and keep serving for the
   * delay (a load balancer or Kubernetes takes the holder out of rotation meanwhile), then stop. A second call, or
   * SIGINT, ends the delay at once.
   */
  terminate(): Promise<void> {
    const ms = this.opts.shutdownDelayMs ?? 0;
    if (this.delay || this.stopping || ms <= 0) {
      this.delay?.end();
      return this.stop();
    }
    const timer = setTimeout(() => this.delay!.end(), ms);
    this.delay = { end: () => { clearTimeout(timer); void this.stop(); } };
    this.memory?.stop();
    this.log.info({ shutdownDelayMs: ms }, `not ready; serving ${ms} ms more before draining (--shutdown-delay)`);
    return this.stopped;
  }

  /**
   * Stop as `POST /stop` does (terminate(): --shutdown-delay first), reporting as newline-delimited JSON
   * (`POST /stop?progress=1`): `stopping` ({holderPid, workers}), one `drained` or `cut` line per worker as it ends
   * (see reload-progress.ts), then `stopped` ({holderPid, connectionsCut}) once the held sockets are closed. The
   * holder process exits right after.
   */
  stopProgress(): Readable {
    const out = new PassThrough();
    const write = (e: object) => { if (!out.writableEnded) out.write(`${JSON.stringify(e)}\n`); };
    write({ event: 'stopping', holderPid: process.pid, workers: this.supervisor.status().workers.map((w) => ({ pid: w.pid, generation: w.generation, state: w.state })) });
    let connectionsCut = 0;
    const onDrained = (d: DrainOutcome) => { connectionsCut += d.connectionsCut ?? 0; write(drainEvent(d)); };
    this.supervisor.on('drained', onDrained);
    this.onSocketsClosed.push(async () => {
      this.supervisor.off('drained', onDrained);
      write({ event: 'stopped', holderPid: process.pid, connectionsCut });
      const ended = new Promise((r) => out.once('end', r));
      out.end();
      // Let the last line reach the client before the control API closes its connections.
      await Promise.race([ended, new Promise((r) => setTimeout(r, 500).unref())]);
      await new Promise((r) => setImmediate(r));
    });
    void this.terminate();
    return out;
  }

  /**
   * The stop's drain begins: close the holder's copy of the sockets before any worker is told to drain, so that the
   * workers' own close is the last one (Invariant 1 ends here; a reload never comes this way).
   */
  private releaseSockets(): void {
    const released = releaseSockets(this.sockets);
    if (released.length === 0) return;
    const kept = released.filter((s) => s.origin === 'inherited').map((s) => s.name);
    this.log.info({ sockets: released.map((s) => s.name), ...(kept.length ? { keptBySystemd: kept } : {}) },
      'released the held sockets: new connections are refused once the workers stop accepting'
      + (kept.length ? ' (sockets from systemd stay open there and queue for the next start)' : ''));
  }

  /**
   * SIGHUP reloads; SIGTERM stops after --shutdown-delay (a second SIGTERM ends the delay, never the drain: a
   * container's runtime sends its own SIGKILL at its deadline); SIGINT stops at once, and a SIGINT during a stop
   * (Ctrl-C again, as a terminal user expects) kills the workers instead of waiting for their drains.
   */
  installSignalHandlers(): void {
    const on = (sig: NodeJS.Signals, fn: () => void) => { process.on(sig, fn); this.signalHandlers.push([sig, fn]); };
    on('SIGHUP', () => { this.log.info('SIGHUP: reload'); void this.reload().catch(() => {}); });
    on('SIGTERM', () => { this.log.info('SIGTERM: stopping'); void this.terminate(); });
    on('SIGINT', () => {
      if (this.stopping) {
        const n = this.supervisor.killAll();
        if (n > 0) logWarning(this.log, 'WARN_HOLDFAST_FORCED_STOP', { workers: n }, `SIGINT again: killing ${n} worker(s) now (SIGKILL) instead of waiting for their drain; what they still served is cut`);
        return;
      }
      const drainS = Math.round(this.supervisor.drainTimeoutMs / 100) / 10;
      this.log.info({ drainTimeoutMs: this.supervisor.drainTimeoutMs }, `SIGINT: stopping: the workers drain for up to ${drainS} s (--drain-timeout); SIGINT again (Ctrl-C) kills them at once`);
      this.delay?.end();
      void this.stop();
    });
  }

  /**
   * Graceful stop: release the held sockets (releaseSockets(): once the workers stop accepting, new connections are
   * refused rather than queued and reset at the end), drain every worker, end what they left behind
   * (orphan-reaper.ts), close the notify socket and the rest of the held fds (then stop progress streams get their
   * last line), then the control API and the health server.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.peer?.stopping();
      this.memory?.stop();
      await this.supervisor.stop(() => this.releaseSockets());
      await this.reaper.endOrphans();
      this.reaper.stop();
      this.notify.close();
      closeSockets(this.sockets, { unlink: true });
      await Promise.all(this.onSocketsClosed.map((fn) => fn()));
      await this.control?.close().catch(() => {});
      await this.health?.close();
      for (const [sig, fn] of this.signalHandlers) process.off(sig, fn);
      this.log.info('stopped');
      this.resolveStopped();
    })();
    return this.stopping;
  }
}

/**
 * opts.idleStartMs, or 0 when `host` cannot move a worker back from idle CPU priority: said at warn level when the
 * user asked for it (`--idle-start`), at info level when it is the default.
 */
function idleStartAvailable(host: ProcessHost, idleStartMs: number | undefined, log: Logger): number | undefined {
  if (idleStartMs === 0 || !host.probeIdleStart) return idleStartMs;
  const refusal = host.probeIdleStart();
  if (refusal === null) return idleStartMs;
  const msg = `new workers start at normal CPU priority: moving one back from idle priority (SCHED_IDLE) needs CAP_SYS_NICE or an RLIMIT_NICE of 20, and this holder got ${refusal}`;
  if (idleStartMs === undefined) log.info({ refusal }, `${msg} (--idle-start 0 turns this check off)`);
  else logWarning(log, 'WARN_HOLDFAST_IDLE_START_UNAVAILABLE', { refusal }, msg);
  return 0;
}
