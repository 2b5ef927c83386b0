import type { Logger } from 'pino';
import { statSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { startControlServer } from './control-server.js';
import { assertDirectory, resolveCommand } from './command.js';
import { HoldfastError } from './errors.js';
import { createLogger } from './log.js';
import { realProcessHost, type ProcessHost } from './process-host.js';
import { NotifyHub } from './readiness.js';
import { closeSockets, openSockets, type HeldSocket } from './socket-table.js';
import type { SocketSpec } from './socket-spec.js';
import { Supervisor, type LaunchSpec, type ReloadStrategy, type SupervisorStatus, type SwapResult } from './supervisor.js';
import type { BackoffOptions } from './restart-policy.js';
import { createMetrics, type HolderMetrics } from './metrics.js';
import { reloadProgressStream } from './reload-progress.js';
import { SystemdPeer } from './systemd-peer.js';
import { OrphanReaper } from './orphan-reaper.js';

/**
 * openSockets, retrying EADDRINUSE for up to `retryMs`: after a holder was SIGKILLed, its draining workers
 * close their copies of the listening sockets within moments, and a holder started again at once must not fail
 * because of them. A port really held by another program is still reported, after `retryMs`.
 */
async function openSocketsRetrying(specs: SocketSpec[], retryMs: number, log: Logger): Promise<HeldSocket[]> {
  const deadline = performance.now() + retryMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await openSockets(specs);
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      if (cause?.code !== 'EADDRINUSE' || performance.now() >= deadline) throw err;
      if (attempt === 0) log.warn({ err: (err as Error).message, retryMs }, 'address in use; retrying (a previous holder\'s workers may still be closing it)');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Everything `holdfast run` configures. Durations in milliseconds. */
export interface HolderOptions {
  sockets: SocketSpec[];
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Control socket path (see defaultControlPath). */
  controlPath: string;
  /** Default 30000 ms. */
  readyTimeoutMs?: number;
  /** Default 30000 ms. */
  drainTimeoutMs?: number;
  backoff?: BackoffOptions;
  /** Consecutive failed starts/crashes before the service is marked failed. Default 10. */
  maxFailures?: number;
  /** Worker processes sharing the sockets. Default 1. */
  workers?: number;
  /** How a reload replaces N workers. Default 'rolling'. */
  reloadStrategy?: ReloadStrategy;
  /** Extra processes allowed beyond `workers` during swaps, starting and draining ones included. */
  maxExtra?: number;
  /** A new worker must stay up this long after READY=1 to count as ready. Default 300 ms. */
  settleMs?: number;
  /** WATCHDOG_USEC handed to workers, in ms; 0 (default) disables the watchdog. */
  watchdogMs?: number;
  /** How long to keep retrying a socket whose address is in use at start. Default 2000 ms. */
  bindRetryMs?: number;
  logger?: Logger;
  host?: ProcessHost;
}

/** `GET /status` body: the supervisor's view plus the sockets and the control path. */
export interface HolderStatus extends SupervisorStatus {
  holderPid: number;
  controlPath: string;
  sockets: { name: string; spec: string; bound: string }[];
  /** What the next generation runs. */
  launch: LaunchSpec;
}

/**
 * The holder: opens the sockets once, runs the supervisor, serves the control API, handles signals
 * (SIGHUP reloads; SIGTERM and SIGINT stop gracefully).
 */
export class Holder {
  readonly log: Logger;
  readonly supervisor: Supervisor;
  /** Prometheus metrics (`GET /metrics`). */
  readonly metrics: HolderMetrics;
  /** Resolves when the holder has fully stopped (workers gone, sockets closed). */
  readonly stopped: Promise<void>;
  private resolveStopped!: () => void;
  private stopping: Promise<void> | null = null;
  /** sd_notify to our own supervisor (systemd) when NOTIFY_SOCKET was set; see systemd-peer.ts. */
  private peer: SystemdPeer | null = null;
  /** Reaps and, at the final stop, ends processes orphaned by workers (orphan-reaper.ts). */
  private readonly reaper: OrphanReaper;
  private control: FastifyInstance | null = null;
  private readonly signalHandlers: [NodeJS.Signals, () => void][] = [];

  private constructor(readonly opts: HolderOptions, readonly sockets: HeldSocket[], private readonly notify: NotifyHub, log: Logger) {
    this.log = log;
    this.stopped = new Promise((r) => { this.resolveStopped = r; });
    this.supervisor = new Supervisor({
      command: opts.command, args: opts.args, cwd: opts.cwd ?? process.cwd(), env: opts.env ?? process.env, sockets,
      readyTimeoutMs: opts.readyTimeoutMs ?? 30_000, drainTimeoutMs: opts.drainTimeoutMs ?? 30_000,
      backoff: opts.backoff, maxFailures: opts.maxFailures,
      workers: opts.workers, reloadStrategy: opts.reloadStrategy, maxExtra: opts.maxExtra,
      settleMs: opts.settleMs, watchdogMs: opts.watchdogMs,
    }, opts.host ?? realProcessHost, notify, log);
    this.metrics = createMetrics(this.supervisor);
    this.reaper = new OrphanReaper((pid) => this.supervisor.isWorkerPid(pid), log);
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
    const sockets = await openSocketsRetrying(opts.sockets, opts.bindRetryMs ?? 2000, log);
    let notify: NotifyHub | null = null;
    try {
      notify = new NotifyHub(log);
      const holder = new Holder(opts, sockets, notify, log);
      holder.control = await startControlServer(opts.controlPath, {
        status: () => holder.status(),
        reload: (launch) => holder.reload(launch),
        stop: () => void holder.stop(),
        metrics: async () => ({ contentType: holder.metrics.contentType, body: await holder.metrics.render() }),
        reloadProgress: (launch) => reloadProgressStream(holder.supervisor, () => holder.reload(launch)),
      });
      for (const s of sockets) log.info({ name: s.name, bound: s.bound }, 'holding socket');
      log.info({ controlPath: opts.controlPath }, 'control API listening');
      holder.peer = SystemdPeer.fromEnv(log)?.attach(holder.supervisor, sockets) ?? null;
      holder.reaper.start();
      void holder.supervisor.start();
      return holder;
    } catch (err) {
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
    if (launch.command !== undefined || launch.cwd !== undefined) {
      const next = { ...this.supervisor.launchSpec, ...launch };
      if (!statSync(next.cwd, { throwIfNoEntry: false })?.isDirectory()) {
        throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `cannot deploy ${next.cwd}: it is not a directory`);
      }
      resolveCommand(next.command, next.cwd, this.opts.env ?? process.env);
    }
    this.peer?.reloading();
    return this.supervisor.reload(launch);
  }

  status(): HolderStatus {
    return {
      ...this.supervisor.status(),
      holderPid: process.pid,
      controlPath: this.opts.controlPath,
      sockets: this.sockets.map((s) => ({ name: s.name, spec: s.spec, bound: s.bound })),
      launch: this.supervisor.launchSpec,
    };
  }

  /** SIGHUP reloads; SIGTERM and SIGINT stop gracefully (a second one does not cut the drain short). */
  installSignalHandlers(): void {
    const on = (sig: NodeJS.Signals, fn: () => void) => { process.on(sig, fn); this.signalHandlers.push([sig, fn]); };
    on('SIGHUP', () => { this.log.info('SIGHUP: reload'); void this.reload().catch(() => {}); });
    on('SIGTERM', () => { this.log.info('SIGTERM: stopping'); void this.stop(); });
    on('SIGINT', () => { this.log.info('SIGINT: stopping'); void this.stop(); });
  }

  /** Graceful stop: drain every worker, close the control API, the notify socket and the held sockets. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.peer?.stopping();
      await this.supervisor.stop();
      await this.reaper.endOrphans();
      this.reaper.stop();
      await this.control?.close().catch(() => {});
      this.notify.close();
      closeSockets(this.sockets, { unlink: true });
      for (const [sig, fn] of this.signalHandlers) process.off(sig, fn);
      this.log.info('stopped');
      this.resolveStopped();
    })();
    return this.stopping;
  }
}
