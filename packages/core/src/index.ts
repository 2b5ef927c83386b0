/**
 * @holdfast/core: the holder.
 *
 * Invariants (enforced where the comments say so):
 * 1. The holder opens every socket once and keeps its own copy until its stop's drain begins (socket-table.ts): a
 *    worker's exit, crash or close() never closes the socket, so the accept queue and receive buffer survive every
 *    swap. A stop is not a swap: the holder lets go first, so new connections are refused once the workers stop
 *    accepting (releaseSockets()).
 * 2. Never a second socket for the same address (no SO_REUSEPORT twin): every worker shares one open file
 *    description (native openSocket never sets SO_REUSEPORT).
 * 3. At most one swap runs at a time; triggers that arrive meanwhile are coalesced into one follow-up (supervisor.ts).
 * 4. The old generation is drained only after the new one is ready; a new generation that exits or misses its
 *    readiness deadline is killed and the old one keeps serving. A timeout is never "ready" (worker.ts, supervisor.ts).
 * 5. Every process the holder spawns is tracked until reaped; a worker's leftover process group is killed when it
 *    exits, and PR_SET_PDEATHSIG tells workers when the holder is gone (worker.ts, process-host.ts). Orphans are
 *    reparented to the holder (child subreaper); its final stop ends every process below it (orphan-reaper.ts).
 * 6. Holder fds are close-on-exec; a worker receives exactly its sockets at 3..3+n-1 (process-host.ts).
 * 7. Connection hand-over: fds are taken only from a worker being drained and forwarded only to the ready worker
 *    that replaced it and announced it can adopt; the holder never blocks on a worker and keeps no fd
 *    (handover-relay.ts).
 */
export * from './errors.js';
export * from './warnings.js';
export * from './duration.js';
export * from './duration-warnings.js';
export * from './socket-spec.js';
export * from './socket-table.js';
export * from './restart-policy.js';
export * from './service-state.js';
export * from './supervisor-types.js';
export * from './supervisor-options.js';
export * from './process-host.js';
export * from './worker.js';
export * from './readiness.js';
export * from './supervisor.js';
export * from './control-path.js';
export * from './control-server.js';
export * from './command.js';
export * from './log.js';
export * from './holder.js';
export * from './unit-file.js';
export * from './orphan-reaper.js';
export { HOLDFAST_ENV } from '@holdfast/native/protocol';
export { CodedError, defineErrors, defineErrorClass, type CodedErrorJSON, type ErrorDefinition } from '@holdfast/native/coded-error';
export * from './health-server.js';
export * from './env-files.js';
export * from './memory-size.js';
// memory-watch.ts loads prom-client: the holder imports it only with --max-memory.
export type { MemoryWatchTarget } from './memory-watch.js';
export * from './kill-signal.js';
export * from './preload.js';
export * from './handover-relay.js';
export * from './proc-sockets.js';
export * from './reload-progress.js';
export * from './output-sink.js';
export * from './log-ring.js';
export * from './worker-output.js';
export * from './diagnose.js';
