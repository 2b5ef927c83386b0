import type { Logger } from 'pino';
import { logWarning } from './warnings.js';
import type { Counter, Gauge, Registry } from 'prom-client';
import { loadPromClient } from './prom-client-load.js';
import { readRss } from './memory-size.js';
import type { WorkerStatus } from './worker.js';

/** How often each serving worker's RSS is read, in ms: one small /proc read per worker per interval. */
export const MEMORY_SAMPLE_INTERVAL_MS = 1000;
/** Consecutive samples above the limit before a worker is replaced: a short spike (a GC cycle away) is not enough. */
export const MEMORY_SAMPLES_OVER = 3;

export { parseMemorySize, readRss } from './memory-size.js';

/** What the memory watch needs from the supervisor. */
export interface MemoryWatchTarget {
  status(): { workers: WorkerStatus[]; swap: { running: boolean } };
  /** Zero-downtime reload of one slot: a new worker gets ready, then the old one drains (never kill-then-start). */
  recycle(slot: number): Promise<{ ok: boolean }>;
}

/**
 * `--max-memory`: every {@link MEMORY_SAMPLE_INTERVAL_MS} read the RSS of each ready worker; one that stays above
 * `limitBytes` for {@link MEMORY_SAMPLES_OVER} consecutive samples has its slot reloaded (blue-green, so no request
 * is refused or cut). Never while another swap runs: the count goes on and the reload waits for the next sample.
 * Metrics: `holdfast_memory_reloads_total`, `holdfast_worker_rss_bytes{worker}` (last sample per slot).
 */
export class MemoryWatch {
  private timer: NodeJS.Timeout | null = null;
  private readonly over = new Map<number, number>();
  private busy = false;
  private readonly reloads: Counter;
  private readonly rss: Gauge;

  constructor(private readonly limitBytes: number, private readonly target: MemoryWatchTarget, private readonly log: Logger,
    registry: Registry, private readonly intervalMs = MEMORY_SAMPLE_INTERVAL_MS) {
    const { Counter, Gauge } = loadPromClient();
    this.reloads = new Counter({ name: 'holdfast_memory_reloads_total', help: 'Workers replaced by a zero-downtime reload because their RSS stayed above --max-memory.', registers: [registry] });
    this.rss = new Gauge({ name: 'holdfast_worker_rss_bytes', help: 'Resident set size of each slot\'s ready worker at the last sample (--max-memory).', labelNames: ['worker'], registers: [registry] });
  }

  start(): void {
    this.timer ??= setInterval(() => { void this.sample(); }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One round: read every ready worker's RSS, reload the first slot that has been over the limit long enough. */
  async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const s = this.target.status();
      const ready = s.workers.filter((w) => w.state === 'ready');
      const samples = await Promise.all(ready.map(async (w) => ({ w, rss: await readRss(w.pid) })));
      for (const { w, rss } of samples) {
        if (rss === null) continue;
        this.rss.set({ worker: String(w.slot) }, rss);
        const key = w.pid;
        const n = rss > this.limitBytes ? (this.over.get(key) ?? 0) + 1 : 0;
        this.over.set(key, n);
        if (n < MEMORY_SAMPLES_OVER || this.target.status().swap.running) continue;
        const mib = (b: number) => `${Math.round(b / 1024 ** 2)} MiB`;
        logWarning(this.log, 'WARN_HOLDFAST_MAX_MEMORY', { pid: w.pid, generation: w.generation, worker: w.slot, rssBytes: rss, limitBytes: this.limitBytes },
          `RSS ${mib(rss)} above --max-memory ${mib(this.limitBytes)} for ${n} samples: reloading worker ${w.slot}`);
        this.reloads.inc();
        this.over.delete(key);
        const r = await this.target.recycle(w.slot).catch(() => ({ ok: false }));
        if (!r.ok) this.log.error({ pid: w.pid, worker: w.slot }, 'memory reload failed; the worker keeps serving and is sampled again');
        break;
      }
      const live = new Set(ready.map((w) => w.pid));
      for (const pid of this.over.keys()) if (!live.has(pid)) this.over.delete(pid);
    } finally {
      this.busy = false;
    }
  }
}
