import type { Logger } from 'pino';
import type { HealthAddress } from './health-server.js';
import type { PreloadOptions } from './preload.js';
import type { ProcessHost } from './process-host.js';
import type { SocketSpec } from './socket-spec.js';
import type { SupervisorOptions } from './supervisor.js';
import type { WorkerOutputOptions } from './worker-output.js';

export const DEFAULT_OUTPUT: WorkerOutputOptions = { mode: 'pipe', tag: 'none', timestamps: false };

/**
 * Everything `holdfast run` configures. Durations in milliseconds. The supervisor's own settings (workers,
 * reloadStrategy, maxExtra, settleMs, standby, idleStartMs, watchdogMs, backoff, maxFailures) are documented, with their
 * defaults, on SupervisorOptions.
 */
export interface HolderOptions extends Pick<SupervisorOptions,
  'workers' | 'reloadStrategy' | 'maxExtra' | 'settleMs' | 'standby' | 'idleStartMs' | 'watchdogMs' | 'backoff' | 'maxFailures'> {
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
  /** How long to keep retrying a socket whose address is in use at start. Default 2000 ms. */
  bindRetryMs?: number;
  /** `--health`: plain HTTP probes (/livez, /readyz, /metrics) on an address of the holder's own; none by default. */
  health?: HealthAddress;
  /** On SIGTERM, report not ready on /readyz and keep serving this long (ms) before draining. Default 0. */
  shutdownDelayMs?: number;
  /** When the crash loop gives up: 'exit' stops the holder (stopReason 'failed'), 'stay' keeps it up. Default 'stay'. */
  onFailed?: OnFailed;
  /** Env files (absolute paths) read again for every generation, and variables applied after them (config `env`). */
  envFiles?: string[];
  envVars?: Record<string, string>;
  /** Reload a worker whose RSS stays above this many bytes (memory-watch.ts); 0 or undefined: no limit. */
  maxMemoryBytes?: number;
  /** The signal that asks a worker to drain. Default SIGTERM. */
  killSignal?: NodeJS.Signals;
  /** How worker stdout/stderr reach the holder's (worker-output.ts). Default: pipe, untagged, no timestamps. */
  output?: WorkerOutputOptions;
  logger?: Logger;
  host?: ProcessHost;
  /** Preload the adapter's register hook into Node commands (preload.ts); undefined = never. */
  preload?: PreloadOptions;
}

/** What the holder does when the crash loop gives up (`--on-failed`). */
export type OnFailed = 'exit' | 'stay';
