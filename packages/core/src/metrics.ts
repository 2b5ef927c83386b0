import type { Registry } from 'prom-client';
import { loadPromClient } from './prom-client-load.js';
import { generationServing, SERVICE_STATES, WORKER_STATES } from './service-state.js';
import type { SupervisorEvents, SupervisorStatus } from './supervisor-types.js';
import type { WorkerOutputStatus } from './worker-output.js';
import type { HandoverCounts } from './handover-relay.js';

/** What the metrics listen to: the supervisor's events and its status snapshot. */
export interface MetricsSource {
  on<K extends 'swap' | 'crash' | 'drained'>(event: K, fn: (...args: SupervisorEvents[K]) => void): unknown;
  status(): SupervisorStatus;
}

/** The holder's Prometheus metrics, one registry per holder (never prom-client's global one). */
export interface HolderMetrics {
  /**
   * Prometheus text exposition format (`GET /metrics`) and its content type. The first call loads prom-client
   * (the parts it uses, prom-client-load.ts; 1-2 MiB of the holder's RSS, and its default metrics' event-loop
   * monitor): a holder nobody scrapes never pays for it.
   */
  render(): Promise<{ contentType: string; body: string }>;
  /** The registry (loads prom-client). */
  registry(): Promise<Registry>;
}

/** The states a live worker can be in (an exited one is no longer counted). */
const LIVE_WORKER_STATES = WORKER_STATES.filter((s) => s !== 'exited');
// Start-up of a node worker is 0.1-0.3 s; a fastify drain with keep-alive clients up to the drain deadline.
const READY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const DRAIN_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Observations kept before the first scrape; past this prom-client is loaded so that memory stays bounded. */
const MAX_PENDING_OBSERVATIONS = 1000;
/**
 * The default metrics' event-loop delay monitor samples at this interval, in ms (prom-client's default, 10 ms,
 * wakes an idle holder about 100 times a second; a holder's own loop lag needs no finer resolution).
 */
const EVENT_LOOP_MONITORING_MS = 1000;

type Outcome = 'ready' | 'rolled_back' | 'failed';

/**
 * Prometheus metrics for one holder (names are documented in docs/cli.md):
 * - `holdfast_swaps_total{outcome}`: every attempt to bring up a generation (first start, reload, crash restart);
 *   outcome `ready`, `rolled_back` (the previous generation kept serving) or `failed` (nothing was serving).
 * - `holdfast_crashes_total`: serving workers that exited on their own.
 * - `holdfast_restarts_total`: automatic restarts after a crash or a failed start.
 * - `holdfast_ready_duration_seconds`: spawn to READY=1 of each generation that got ready.
 * - `holdfast_drain_duration_seconds`: SIGTERM to exit of each replaced generation.
 * - `holdfast_workers{state}`: worker processes by state (starting, ready, draining).
 * - `holdfast_generation`: the serving generation (0 when none).
 * - `holdfast_service_state{state}`: 1 for the current service state, 0 for the others.
 * - `holdfast_handover_connections_total{outcome}`: open connections offered by draining workers, `adopted` by the
 *   successor (moved: the client kept its connection) or `refused` (drained in the old worker instead).
 * - `holdfast_output_lines_total{stream}`, `holdfast_output_dropped_lines_total{stream}`: lines the holder wrote to
 *   its stdout/stderr (worker output and its own log), and lines it dropped because that output was broken or full.
 * - `holdfast_process_*`, `holdfast_nodejs_*`: the holder process itself (prom-client defaults).
 * Until the first scrape the events are counted in plain objects; prom-client is imported on first use.
 */
export function createMetrics(source: MetricsSource, opts: { defaultMetrics?: boolean; output?: { status(): WorkerOutputStatus }; handover?: { readonly counts: HandoverCounts } } = {}): HolderMetrics {
  // Before prom-client is loaded: counts and observations, classified when they happen (a failure is a rollback
  // only if something serves at that moment).
  const pending = { swaps: { ready: 0, rolled_back: 0, failed: 0 } as Record<Outcome, number>, crashes: 0, ready: [] as number[], drain: [] as number[] };
  let live: { swap(o: Outcome): void; crash(): void; ready(s: number): void; drain(s: number): void } | null = null;
  let loading: Promise<Registry> | null = null;

  const load = (): Promise<Registry> => loading ??= (async () => {
    const { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } = loadPromClient();
    const registry = new Registry();
    const swaps = new Counter({ name: 'holdfast_swaps_total', help: 'Generations started (first start, reload, crash restart) by outcome: ready, rolled_back (previous generation kept serving), failed (nothing serving).', labelNames: ['outcome'], registers: [registry] });
    const crashes = new Counter({ name: 'holdfast_crashes_total', help: 'Serving workers that exited without being asked to.', registers: [registry] });
    new Counter({
      name: 'holdfast_restarts_total', help: 'Automatic restarts after a crash or a failed start.', registers: [registry],
      collect() { this.reset(); this.inc(source.status().restarts); },
    });
    const ready = new Histogram({ name: 'holdfast_ready_duration_seconds', help: 'Spawn to READY=1 of each generation that got ready.', buckets: READY_BUCKETS, registers: [registry] });
    const drain = new Histogram({ name: 'holdfast_drain_duration_seconds', help: 'SIGTERM to exit of each replaced generation.', buckets: DRAIN_BUCKETS, registers: [registry] });
    new Gauge({
      name: 'holdfast_workers', help: 'Worker processes by state.', labelNames: ['state'], registers: [registry],
      collect() {
        const workers = source.status().workers;
        for (const state of LIVE_WORKER_STATES) this.set({ state }, workers.filter((w) => w.state === state).length);
      },
    });
    new Gauge({
      name: 'holdfast_generation', help: 'The serving generation (0 when none is serving).', registers: [registry],
      collect() { this.set(source.status().generation); },
    });
    new Gauge({
      name: 'holdfast_service_state', help: '1 for the current service state, 0 for the others.', labelNames: ['state'], registers: [registry],
      collect() {
        const s = source.status().state;
        for (const state of SERVICE_STATES) this.set({ state }, s === state ? 1 : 0);
      },
    });
    const output = opts.output;
    if (output) {
      new Counter({
        name: 'holdfast_output_lines_total', help: 'Lines written to the holder\'s stdout/stderr (worker output and the holder\'s own log).', labelNames: ['stream'], registers: [registry],
        collect() { const o = output.status(); this.reset(); this.inc({ stream: 'stdout' }, o.stdout.lines); this.inc({ stream: 'stderr' }, o.stderr.lines); },
      });
      new Counter({
        name: 'holdfast_output_dropped_lines_total', help: 'Lines dropped because the holder\'s stdout/stderr was broken (EPIPE) or full.', labelNames: ['stream'], registers: [registry],
        collect() { const o = output.status(); this.reset(); this.inc({ stream: 'stdout' }, o.stdout.dropped); this.inc({ stream: 'stderr' }, o.stderr.dropped); },
      });
    }
    const handover = opts.handover;
    if (handover) {
      new Counter({
        name: 'holdfast_handover_connections_total', help: 'Open connections a draining worker offered to its successor, by outcome: adopted (moved, the client kept its connection), refused (drained where they were).', labelNames: ['outcome'], registers: [registry],
        collect() { this.reset(); this.inc({ outcome: 'adopted' }, handover.counts.adopted); this.inc({ outcome: 'refused' }, handover.counts.refused); },
      });
    }
    if (opts.defaultMetrics !== false) {
      collectDefaultMetrics({ register: registry, prefix: 'holdfast_', eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_MS });
    }
    for (const outcome of Object.keys(pending.swaps) as Outcome[]) swaps.inc({ outcome }, pending.swaps[outcome]);
    crashes.inc(pending.crashes);
    for (const s of pending.ready) ready.observe(s);
    for (const s of pending.drain) drain.observe(s);
    pending.ready = [];
    pending.drain = [];
    live = { swap: (outcome) => swaps.inc({ outcome }), crash: () => crashes.inc(), ready: (s) => ready.observe(s), drain: (s) => drain.observe(s) };
    return registry;
  })();

  const observe = (list: number[], s: number) => {
    list.push(s);
    if (list.length >= MAX_PENDING_OBSERVATIONS) void load();
  };
  source.on('swap', (r) => {
    // At the moment 'swap' is emitted for a failure, status() still names the generation that keeps serving.
    const outcome: Outcome = r.ok ? 'ready' : generationServing(source.status()) ? 'rolled_back' : 'failed';
    if (live) live.swap(outcome); else pending.swaps[outcome]++;
    if (r.ok) { if (live) live.ready(r.readyMs / 1000); else observe(pending.ready, r.readyMs / 1000); }
  });
  source.on('crash', () => { if (live) live.crash(); else pending.crashes++; });
  source.on('drained', (d) => { if (live) live.drain(d.drainMs / 1000); else observe(pending.drain, d.drainMs / 1000); });
  return {
    registry: load,
    render: async () => {
      const registry = await load();
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
