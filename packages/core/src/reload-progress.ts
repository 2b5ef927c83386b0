import type { EventEmitter } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { HoldfastError, toHoldfastError } from './errors.js';
import type { ServingEvent, SwapResult } from './supervisor.js';

/**
 * One line of `POST /reload?progress=1` (newline-delimited JSON), in the order things happen:
 * `spawned` (a new generation's process exists), `ready` (it sent READY=1 and serves; the old one keeps
 * accepting for the settle period, then drains), `drained` (the old one has exited), then exactly one `result`
 * line, the same body a plain `POST /reload` answers with (`ok` false and `error` on rollback, which may follow
 * `ready` when the new generation dies within the settle period).
 */
export type ReloadProgressEvent =
  | { event: 'spawned'; pid: number; generation: number }
  | { event: 'ready'; pid: number; pids: number[]; generation: number; readyMs: number; replacedPids: number[] }
  | { event: 'drained'; pid: number; generation: number; drainMs: number }
  | ({ event: 'result'; ok: boolean } & Record<string, unknown>);

interface DrainedInfo { pid: number; generation: number; drainMs: number }

/**
 * Run `reload` and report its progress through `emit`, using the supervisor's 'spawn' and 'drained' events.
 * Resolves after the `result` line, which on success comes only once every replaced worker has drained
 * (the drain deadline bounds that wait).
 */
export async function reloadWithProgress(events: EventEmitter, reload: () => Promise<SwapResult>,
  emit: (e: ReloadProgressEvent) => void): Promise<SwapResult | null> {
  const drained = new Map<number, DrainedInfo>();
  const waiters = new Map<number, (d: DrainedInfo) => void>();
  const spawnedGenerations = new Set<number>();
  const onSpawn = (s: { pid: number; generation: number }) => {
    spawnedGenerations.add(s.generation);
    emit({ event: 'spawned', pid: s.pid, generation: s.generation });
  };
  const onDrained = (d: DrainedInfo) => { drained.set(d.pid, d); waiters.get(d.pid)?.(d); };
  let readySent = false;
  const onServing = (r: ServingEvent) => {
    if (readySent || !spawnedGenerations.has(r.generation)) return; // another swap's generation
    readySent = true;
    emit({ event: 'ready', pid: r.pids[0], pids: r.pids, generation: r.generation, readyMs: Math.round(r.readyMs), replacedPids: r.replacedPids });
  };
  events.on('spawn', onSpawn);
  events.on('drained', onDrained);
  events.on('serving', onServing);
  try {
    let r: SwapResult;
    try {
      r = await reload();
    } catch (err) {
      emit({ event: 'result', ok: false, error: toHoldfastError(err).toJSON() });
      return null;
    }
    events.off('spawn', onSpawn);
    events.off('serving', onServing);
    if (!r.ok) {
      emit({ event: 'result', ...r, error: r.error.toJSON() });
      return r;
    }
    if (!readySent) emit({ event: 'ready', pid: r.pid, pids: r.pids, generation: r.generation, readyMs: Math.round(r.readyMs), replacedPids: r.replacedPids });
    await Promise.all(r.replacedPids.map(async (pid) => {
      const d = drained.get(pid) ?? await new Promise<DrainedInfo>((resolve) => waiters.set(pid, resolve));
      emit({ event: 'drained', pid: d.pid, generation: d.generation, drainMs: d.drainMs });
    }));
    emit({ event: 'result', ...r });
    return r;
  } finally {
    events.off('spawn', onSpawn);
    events.off('drained', onDrained);
    events.off('serving', onServing);
  }
}

/** The same as a stream of JSON lines, for the control API. */
export function reloadProgressStream(events: EventEmitter, reload: () => Promise<SwapResult>): Readable {
  const out = new PassThrough();
  void reloadWithProgress(events, reload, (e) => { out.write(`${JSON.stringify(e)}\n`); })
    .catch((err) => { out.write(`${JSON.stringify({ event: 'result', ok: false, error: toHoldfastError(err).toJSON() })}\n`); })
    .finally(() => out.end());
  return out;
}
