// The holder's Prometheus metrics, driven by a fake supervisor (events + status snapshot).
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../src/metrics.js';
import { HoldfastError } from '../src/errors.js';
import { loadPromClient } from '../src/prom-client-load.js';
import type { SupervisorStatus } from '../src/supervisor.js';

class FakeSupervisor extends EventEmitter {
  snap: SupervisorStatus = { state: 'running', generation: 1, restarts: 0, size: 1, workers: [], swap: { running: false, queued: false }, lastSwap: null, failures: 0, maxFailures: 10 };
  status() { return this.snap; }
}

function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const worker = (generation: number, state: 'starting' | 'ready' | 'draining') =>
  ({ pid: 100 + generation, generation, state, uptimeMs: 1, readyMs: null, status: null, mainPid: null, slot: 0, restarts: 0 });

describe('createMetrics', () => {
  it('counts swaps by outcome, crashes and restarts, and observes ready and drain durations', async () => {
    const sup = new FakeSupervisor();
    const m = createMetrics(sup, { defaultMetrics: false });
    sup.emit('swap', { ok: true, generation: 1, pid: 101, pids: [101], readyMs: 120, replaced: null, replacedPids: [] });
    sup.emit('swap', { ok: true, generation: 2, pid: 102, pids: [102], readyMs: 700, replaced: 101, replacedPids: [101] });
    sup.emit('drained', { pid: 101, generation: 1, drainMs: 40 });
    // A failed generation while generation 2 serves is a rollback ...
    sup.snap = { ...sup.snap, generation: 2 };
    sup.emit('swap', { ok: false, generation: 3, pid: 103, error: new HoldfastError('ERR_HOLDFAST_READY_TIMEOUT', 'x') });
    // ... and one while nothing serves is a failure.
    sup.emit('crash', worker(2, 'ready'));
    sup.snap = { ...sup.snap, generation: 0, state: 'restarting', restarts: 1, workers: [worker(4, 'starting'), worker(1, 'draining')] };
    sup.emit('swap', { ok: false, generation: 4, pid: 104, error: new HoldfastError('ERR_HOLDFAST_WORKER_EXITED', 'y') });

    const text = (await m.render()).body;
    expect(value(text, 'holdfast_swaps_total{outcome="ready"}')).toBe(2);
    expect(value(text, 'holdfast_swaps_total{outcome="rolled_back"}')).toBe(1);
    expect(value(text, 'holdfast_swaps_total{outcome="failed"}')).toBe(1);
    expect(value(text, 'holdfast_crashes_total')).toBe(1);
    expect(value(text, 'holdfast_restarts_total')).toBe(1);
    expect(value(text, 'holdfast_ready_duration_seconds_count')).toBe(2);
    expect(value(text, 'holdfast_ready_duration_seconds_sum')).toBeCloseTo(0.82);
    expect(value(text, 'holdfast_ready_duration_seconds_bucket{le="0.25"}')).toBe(1);
    expect(value(text, 'holdfast_drain_duration_seconds_count')).toBe(1);
    expect(value(text, 'holdfast_drain_duration_seconds_bucket{le="0.05"}')).toBe(1);
    expect(value(text, 'holdfast_workers{state="starting"}')).toBe(1);
    expect(value(text, 'holdfast_workers{state="ready"}')).toBe(0);
    expect(value(text, 'holdfast_workers{state="draining"}')).toBe(1);
    expect(value(text, 'holdfast_generation')).toBe(0);
    expect(value(text, 'holdfast_service_state{state="restarting"}')).toBe(1);
    expect(value(text, 'holdfast_service_state{state="running"}')).toBe(0);
    expect(text).toContain('# TYPE holdfast_swaps_total counter');
  });

  it('counts hand-over connections adopted and refused from the relay\'s totals at each scrape', async () => {
    const counts = { adopted: 0, refused: 0 };
    const m = createMetrics(new FakeSupervisor(), { defaultMetrics: false, handover: { counts } });
    expect(value((await m.render()).body, 'holdfast_handover_connections_total{outcome="adopted"}')).toBe(0);
    counts.adopted = 20;
    counts.refused = 3;
    const body = (await m.render()).body;
    expect(value(body, 'holdfast_handover_connections_total{outcome="adopted"}')).toBe(20);
    expect(value(body, 'holdfast_handover_connections_total{outcome="refused"}')).toBe(3);
  });

  it('keeps each holder in its own registry and can add the holder process metrics', async () => {
    const sa = new FakeSupervisor();
    const a = createMetrics(sa);
    const b = createMetrics(new FakeSupervisor());
    expect(await a.registry()).not.toBe(await b.registry());
    sa.emit('crash', worker(1, 'ready'));
    const ra = await a.render();
    expect(ra.body).toContain('holdfast_process_resident_memory_bytes');
    expect(ra.contentType).toMatch(/^text\/plain/);
    expect(value(ra.body, 'holdfast_crashes_total')).toBe(1);
    expect(value((await b.render()).body, 'holdfast_crashes_total')).toBe(0);
  });

  it('counts what happened before the first scrape and after it alike', async () => {
    const sup = new FakeSupervisor();
    const m = createMetrics(sup, { defaultMetrics: false });
    sup.emit('swap', { ok: true, generation: 1, pid: 101, pids: [101], readyMs: 100, replaced: null, replacedPids: [] });
    expect(value((await m.render()).body, 'holdfast_swaps_total{outcome="ready"}')).toBe(1);
    sup.emit('swap', { ok: true, generation: 2, pid: 102, pids: [102], readyMs: 100, replaced: 101, replacedPids: [101] });
    sup.emit('drained', { pid: 101, generation: 1, drainMs: 40 });
    const text = (await m.render()).body;
    expect(value(text, 'holdfast_swaps_total{outcome="ready"}')).toBe(2);
    expect(value(text, 'holdfast_ready_duration_seconds_count')).toBe(2);
    expect(value(text, 'holdfast_drain_duration_seconds_count')).toBe(1);
  });

  it('loads prom-client module by module (not its index, which loads node:https, node:tls and node:crypto)', () => {
    const parts = loadPromClient();
    expect(parts.via).toBe('modules');
    for (const name of ['Registry', 'Counter', 'Gauge', 'Histogram', 'collectDefaultMetrics'] as const) expect(typeof parts[name]).toBe('function');
  });
});
