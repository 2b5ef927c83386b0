import type { GenerationEnvInfo } from './env-files.js';
import type { LaunchSpec, SupervisorStatus } from './supervisor.js';
import type { WorkerOutputStatus } from './worker-output.js';

/** `GET /status` body: the supervisor's view plus the sockets and the control path. */
export interface HolderStatus extends SupervisorStatus {
  holderPid: number;
  controlPath: string;
  sockets: { name: string; spec: string; bound: string }[];
  /** What the next generation runs; a deploy's variables by name only (`envKeys`), never their values. */
  launch: Omit<LaunchSpec, 'envVars'> & { envKeys?: string[] };
  /** What `/readyz` answers (200 when true): a generation serves and the service is neither stopping nor failed. */
  ready: boolean;
  /** The health server's bound address (`--health`), or null. */
  health: string | null;
  /** Env files and keys (never values) each live generation got. */
  env: GenerationEnvInfo[];
  /** Problems the holder can see but not fix: no socket held, a worker listening on a port of its own. */
  warnings: string[];
  /** How worker output is copied, and the lines written and dropped on the holder's stdout and stderr. */
  output: WorkerOutputStatus;
}

/** The warning for a holder with no sockets (status and the start log). */
export const NO_SOCKET_WARNING = 'no socket is held (no --listen): the workers bind their own ports, so a reload cannot hand '
  + 'the port over (the new generation fails with EADDRINUSE while the old one listens, and is rolled back); '
  + 'hold it with -l NAME=tcp://HOST:PORT and serve the inherited fd';

export function withoutValues({ envVars, ...rest }: LaunchSpec): HolderStatus['launch'] {
  return envVars ? { ...rest, envKeys: Object.keys(envVars).sort() } : rest;
}

export function ownListenerWarning(pid: number, own: string[]): string {
  return `worker pid ${pid} listens on ${own.join(', ')} itself instead of a held socket: that port is closed during `
    + 'every reload and the next generation may fail with EADDRINUSE; hold it with -l and serve the inherited fd '
    + '(listenFds() / serve() of @holdfast/http-adapter)';
}
