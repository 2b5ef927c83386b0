import type { Logger } from 'pino';
import { logWarning } from './warnings.js';
import { HoldfastError } from './errors.js';
import type { ResolvedSupervisorOptions } from './supervisor-options.js';
import type { BatchReady, LaunchSpec } from './supervisor-types.js';
import type { Worker } from './worker.js';
import type { WorkerPool } from './worker-pool.js';

/** What startBatch reads and changes of its supervisor: the slot arrays are the supervisor's own, changed in place. */
export interface BatchContext {
  readonly pool: WorkerPool;
  readonly slots: (Worker | null)[];
  readonly slotRestarts: number[];
  readonly slotGeneration: number[];
  readonly opts: ResolvedSupervisorOptions;
  readonly log: Logger;
  /** Processes allowed at once: workers + maxExtra + standbys, read when the batch starts. */
  maxProcesses(): number;
  /** Is the supervisor stopping or stopped? */
  stopping(): boolean;
  /** Emit the supervisor's 'ready' event. */
  emitReady(ready: BatchReady): void;
}

/**
 * Start a batch of slots on `launch` and install them. All or nothing: if one fails, every new worker of the
 * batch is killed and the slots keep what they had.
 */
export async function startBatch(ctx: BatchContext, slots: number[], generation: number, launch: LaunchSpec,
  onReady: (fresh: Worker[], readyMs: number, replacing: Worker[]) => void = () => {}, crashRestart = false): Promise<{ workers: Worker[]; readyMs: number; replaced: Worker[] }> {
  await ctx.pool.capacity(slots.length, ctx.maxProcesses());
  if (ctx.stopping()) throw new HoldfastError('ERR_HOLDFAST_STOPPING', 'the holder is stopping');
  const fresh: Worker[] = [];
  try {
    for (const s of slots) fresh.push(ctx.pool.spawn(generation, launch, s, ctx.slotRestarts[s], crashRestart ? { envOf: ctx.slotGeneration[s] } : {}));
  } catch (err) {
    await Promise.all(fresh.map((w) => w.kill()));
    // Nothing ran, so a cause of our own (an env file that cannot be read) keeps its code and hint.
    const code = err instanceof HoldfastError ? err.code : 'ERR_HOLDFAST_WORKER_EXITED';
    throw new HoldfastError(code, `generation ${generation} could not be spawned: ${(err as Error).message}`, { cause: err });
  }
  const rethrow = async (outcomes: PromiseSettledResult<unknown>[]) => {
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (!failed) return;
    const reason = failed.reason;
    let e = reason instanceof HoldfastError ? reason : new HoldfastError('ERR_HOLDFAST_WORKER_EXITED', String(reason), { cause: reason });
    // Before the kill, so /proc still shows a worker that is running (diagnose.ts, failure-report.ts).
    if (ctx.opts.explainFailure) e = await ctx.opts.explainFailure(fresh[outcomes.indexOf(failed)], e).catch(() => e);
    await Promise.all(fresh.map((w) => w.kill()));
    throw e;
  };
  const outcomes = await Promise.allSettled(fresh.map((w) => ctx.pool.ready(w)));
  await rethrow(outcomes);
  const readyMs = Math.max(...outcomes.map((o) => (o as PromiseFulfilledResult<number>).value));
  // Serving from here on. The old workers stay in their slots, unsignalled and accepting, through the settle
  // period: a new worker that dies within it is rolled back with nothing to restart (Invariant 4).
  onReady(fresh, readyMs, slots.map((s) => ctx.slots[s]).filter((w): w is Worker => !!w && !w.exitInfo));
  await rethrow(await Promise.allSettled(fresh.map((w) => ctx.pool.settled(w))));
  const replaced: Worker[] = [];
  fresh.forEach((w, i) => {
    const old = ctx.slots[slots[i]];
    ctx.slots[slots[i]] = w;
    ctx.slotGeneration[slots[i]] = generation;
    if (old && !old.exitInfo) replaced.push(old);
  });
  ctx.log.info({ generation, pids: fresh.map((w) => w.pid), readyMs: Math.round(readyMs) }, `ready in ${Math.round(readyMs)} ms`);
  const ready: BatchReady = { generation, pids: fresh.map((w) => w.pid), readyMs: Math.round(readyMs), replacedPids: replaced.map((w) => w.pid) };
  ctx.emitReady(ready);
  for (const old of replaced) void ctx.pool.drain(old);
  return { workers: fresh, readyMs, replaced };
}

/** A rolling swap failed midway: put the previous release back into the slots it had already changed. */
export async function rollBack(ctx: BatchContext, slots: number[], previous: LaunchSpec, nextGeneration: () => number): Promise<void> {
  logWarning(ctx.log, 'WARN_HOLDFAST_ROLLING_ROLLBACK', { slots }, 'rolling swap failed midway: starting the previous release in the slots it changed');
  const generation = nextGeneration();
  try {
    for (let i = 0; i < slots.length; i += ctx.opts.maxExtra) await startBatch(ctx, slots.slice(i, i + ctx.opts.maxExtra), generation, previous);
  } catch (err) {
    ctx.log.error({ err: (err as Error).message }, 'rollback to the previous release failed; the new release keeps serving those slots');
  }
}
