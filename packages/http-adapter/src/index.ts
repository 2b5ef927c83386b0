/**
 * @holdfast/http-adapter — the worker side of holdfast.
 *
 * Invariants (enforced where noted):
 * 1. Under a holder the worker never binds an address: it attaches the inherited fds (serve.ts); only with
 *    no LISTEN_FDS does it bind its fallback (and warns when LISTEN_PID named another process).
 * 2. Closing is always closing our copy: stopping accept closes this process's fd, never the holder's socket,
 *    so the accept queue and the UDP receive buffer survive the swap (http-drain.ts, dgram.ts).
 * 3. READY=1 only once every inherited fd is attached (readiness.ts); STOPPING=1 when the drain starts.
 * 4. The drain never answers 503 and never closes a keep-alive connection under a client's next request:
 *    later responses carry Connection: close; idle connections end only after the advertised Keep-Alive
 *    hint (plus a margin) has passed (keep-alive.ts); HTTP/2 sessions get a two-phase GOAWAY so no stream
 *    is refused (http2-drain.ts); the drain ends when the last connection is gone or at the hard deadline
 *    (http-drain.ts, drain.ts).
 * 6. Never under node:cluster with inherited fds: the primary would open a second socket (serve.ts).
 * 5. Inherited fds are close-on-exec once adopted, and LISTEN_* are removed from the environment
 *    (listen-fds.ts): the worker's own children inherit none of them.
 * 7. A connection is handed over only when idle (no request in progress or partly read, nothing to write), is
 *    not read from the moment it is offered, and our copy is released only after the successor confirmed it
 *    adopted it (never shutdown(2), so no FIN); fds are accepted only from the holder (http-drain.ts,
 *    connection-handover.ts, handover-channel.ts).
 */
export { listenFds, listenFdsStatus, type ListenFd, type ListenFdsStatus } from './listen-fds.js';
export { SD_LISTEN_FDS_START, type FdExpectation } from './native.js';
export { notify } from './notify.js';
export { ready, isReady } from './readiness.js';
export { startWatchdog, stopWatchdog, watchdogUsec } from './watchdog.js';
export { serve, type ServeOptions, type ServeTarget, type Served } from './serve.js';
export { warmUp, warmupFromEnv, WARMUP_CONNECTIONS, WARMUP_REQUEST_TIMEOUT_MS, type WarmupOptions, type WarmupRequest, type WarmupReport, type WarmupVia } from './warmup.js';
export { WARMUP_HEADER } from '@holdfast/native/protocol';
export { drain, isDraining, drainSignals } from './drain.js';
export type { DrainContext, DrainHook, DrainReport, TargetReport, TargetKind, CutCounts } from './drain-types.js';
export { ADAPTER_ERRORS, ADAPTER_WARNINGS, HoldfastAdapterError, type HoldfastAdapterErrorCode } from './errors.js';
export { parseFallback, type FallbackAddress } from './fallback.js';
export { WS_GOING_AWAY, type FastifyLike } from './http-drain.js';
export { UNUSED_GRACE_MS } from './silent-connections.js';
export { H2_PING_TIMEOUT_MS } from './http2-drain.js';
export { DEFAULT_KEEP_ALIVE_HINT_MS, KEEP_ALIVE_MARGIN_MS, type KeepAliveTimers, type KeepAliveOptions } from './keep-alive.js';
export { holdfastPlugin, holdfastPlugin as fastifyPlugin, type HoldfastDecoration } from './fastify-plugin.js';
export { DGRAM_QUIET_MS } from './dgram.js';
export { loadNative, type NativeApi, type FdInfo } from './native.js';
export type { NetHandover } from './net-drain.js';
