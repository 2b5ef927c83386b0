/**
 * The states, named once: the service's (what `status` and `holdfast_service_state` show) with the transitions the
 * supervisor may make between them, and a worker's (what `holdfast_workers{state}` counts).
 */

/** Every state of the service, in lifecycle order. */
export const SERVICE_STATES = ['starting', 'running', 'restarting', 'failed', 'stopping', 'stopped'] as const;

/** Whole-service state as status shows it. */
export type ServiceState = (typeof SERVICE_STATES)[number];

/**
 * Allowed transitions. `failed` is left by a reload that succeeds (running) or by a crash of a worker that had
 * been up long enough to reset the failure count (restarting); `stopping` only ever leads to `stopped`.
 */
export const SERVICE_TRANSITIONS: Readonly<Record<ServiceState, readonly ServiceState[]>> = {
  starting: ['running', 'restarting', 'failed', 'stopping'],
  running: ['restarting', 'failed', 'stopping'],
  restarting: ['running', 'failed', 'stopping'],
  failed: ['running', 'restarting', 'stopping'],
  stopping: ['stopped'],
  stopped: [],
};

/** May the service go from `from` to `to`? (Staying in a state is no transition and always allowed.) */
export function canTransition(from: ServiceState, to: ServiceState): boolean {
  return from === to || SERVICE_TRANSITIONS[from].includes(to);
}

/** Every state of one worker process. */
export const WORKER_STATES = ['starting', 'ready', 'draining', 'exited'] as const;

/** Lifecycle of one worker process. */
export type WorkerState = (typeof WORKER_STATES)[number];

/**
 * Whether a generation serves, by the supervisor's status (`generation` > 0 names the serving one). At the moment a
 * swap fails this tells a rollback (the previous generation keeps serving) from a failure with nothing serving (a
 * reload during a crash restart): the metrics' `rolled_back`/`failed` and the reload result's `rolledBack` both ask it.
 */
export function generationServing(status: { generation: number }): boolean {
  return status.generation > 0;
}
