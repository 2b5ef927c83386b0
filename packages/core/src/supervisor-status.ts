import type { ServiceState } from './service-state.js';
import type { SupervisorStatus, SwapResult } from './supervisor-types.js';
import type { SwapKind } from './swap-queue.js';
import type { Worker } from './worker.js';

/** What Supervisor.status() reads of its supervisor. */
export interface SupervisorView {
  state: ServiceState;
  restarts: number;
  size: number;
  slots: readonly (Worker | null)[];
  live: Iterable<Worker>;
  queue: { readonly running: boolean; readonly pending: boolean };
  lastSwap: (SwapResult & { kind: SwapKind }) | null;
  failures: number;
  maxFailures: number;
}

/** Supervisor.status(): the serving generation is the newest in a slot; workers sorted by generation, then slot. */
export function describeSupervisor(v: SupervisorView): SupervisorStatus {
  const last = v.lastSwap;
  const serving = v.slots.filter(Boolean) as Worker[];
  return {
    state: v.state,
    generation: serving.length ? Math.max(...serving.map((w) => w.generation)) : 0,
    restarts: v.restarts,
    size: v.size,
    workers: [...v.live].map((w) => w.snapshot()).sort((a, b) => a.generation - b.generation || a.slot - b.slot),
    swap: { running: v.queue.running, queued: v.queue.pending },
    lastSwap: last && (last.ok ? last : { ...last, error: last.error.toJSON() }),
    failures: v.failures,
    maxFailures: v.maxFailures,
  };
}
