import type { EventEmitter } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { HoldfastError, toHoldfastError } from './errors.js';
import type { BatchReady, SwapKind, SwapResult } from './supervisor.js';
import type { DrainOutcome } from './worker.js';

/** A worker that finished on its own (`drained`) or whose drain was cut short (`cut`), as progress shows it. */
export type DrainEvent = { event: 'drained' | 'cut' } & DrainOutcome;

/**
 * One line of `POST /reload?progress=1` (newline-delimited JSON), each written when it happens:
 * `spawned` (a new process exists), `ready` (a batch sent READY=1 and settled; the workers it replaced begin
 * draining; one per batch of a rolling swap), `drained` (a replaced worker exited on its own) or `cut` (it was
 * SIGKILLed at the drain deadline, `killedAtDeadline`, or its own deadline cut connections; `connectionsCut`
 * says how many), then exactly one `result` line: the body a plain `POST /reload` answers with, plus
 * `connectionsCut` (sum over the replaced workers) once every replaced worker is gone. If the holder begins
 * stopping before the swap is over, `result` says so (`ERR_HOLDFAST_STOPPING`) at once.
 */
export type ReloadProgressEvent =
  | { event: 'spawned'; pid: number; generation: number; slot: number }
  | ({ event: 'ready' } & BatchReady)
  | DrainEvent
  | ({ event: 'result'; ok: boolean } & Record<string, unknown>);

/** `drained` when the worker finished on its own, `cut` when connections were cut or the holder had to SIGKILL. */
export function drainEvent(d: DrainOutcome): DrainEvent {
  // connectionsCut null outside the deadline: killed by another signal before its drain finished (cut, how much unknown).
  return { event: d.killedAtDeadline || d.connectionsCut === null || d.connectionsCut > 0 ? 'cut' : 'drained', ...d };
}

function stoppingError(): HoldfastError {
  return new HoldfastError('ERR_HOLDFAST_STOPPING',
    `the holder (pid ${process.pid}) began stopping during the reload: its workers drain and the sockets close when it exits`,
    { hint: 'Start the holder again (holdfast run) to serve; the reload did not happen.' });
}

/**
 * Run `reload` and report its progress through `emit` from the supervisor's events ('swap-start', 'spawn',
 * 'ready', 'drained', 'state'). The swap this reload belongs to is the first 'swap-start' after the call: a
 * reload that waits behind a running swap is the queued follow-up, which starts next (Invariant 3).
 * Resolves after the `result` line.
 */
export async function reloadWithProgress(events: EventEmitter, reload: () => Promise<SwapResult>,
  emit: (e: ReloadProgressEvent) => void, serving: () => boolean = () => true): Promise<SwapResult | null> {
  let mine: number | null = null;
  let swapOver = false;
  const replaced = new Set<number>();
  const outcomes = new Map<number, DrainOutcome>();
  let allDrained: () => void = () => {};
  let interrupted: (e: HoldfastError) => void = () => {};
  const interruption = new Promise<HoldfastError>((r) => { interrupted = r; });
  const checkDrained = () => { if ([...replaced].every((p) => outcomes.has(p))) allDrained(); };

  const onStart = (s: { kind: SwapKind; generation: number }) => { mine ??= s.generation; };
  const onSpawn = (w: { pid: number; generation: number; slot: number }) => {
    if (mine !== null && !swapOver) emit({ event: 'spawned', pid: w.pid, generation: w.generation, slot: w.slot });
  };
  const onReady = (b: BatchReady) => {
    if (mine === null || swapOver) return;
    for (const p of b.replacedPids) replaced.add(p);
    emit({ event: 'ready', ...b });
  };
  const onDrained = (d: DrainOutcome) => {
    if (!replaced.has(d.pid) || outcomes.has(d.pid)) return;
    outcomes.set(d.pid, d);
    emit(drainEvent(d));
    checkDrained();
  };
  const onState = (state: string) => { if (state === 'stopping' && !swapOver) interrupted(stoppingError()); };
  events.on('swap-start', onStart);
  events.on('spawn', onSpawn);
  events.on('ready', onReady);
  events.on('drained', onDrained);
  events.on('state', onState);
  try {
    const swap = reload();
    const settled = await Promise.race([
      swap.then((r) => ({ r }), (err: unknown) => ({ err, refused: mine === null })),
      interruption.then((err) => ({ err, refused: false })),
    ]);
    swapOver = true;
    void swap.catch(() => {});
    if ('err' in settled) {
      const e = toHoldfastError(settled.err);
      // refused: the reload was turned down before a swap began (bad input, the holder stopping): nothing started,
      // nothing was rolled back; `serving` says whether a generation serves meanwhile.
      emit({ event: 'result', ok: false, error: e.toJSON(), ...(settled.refused ? { refused: true } : {}), serving: serving() });
      return null;
    }
    const r = settled.r;
    if (!r.ok) {
      // rolledBack: a generation still serves (the failed one changed nothing); false when none was serving
      // (a reload during a crash restart): then nothing was rolled back.
      emit({ event: 'result', ...r, error: r.error.toJSON(), rolledBack: serving() });
      return r;
    }
    // Replaced workers the events did not name (a swap that was already over) still get reported.
    for (const p of r.replacedPids) replaced.add(p);
    await new Promise<void>((resolve) => { allDrained = resolve; checkDrained(); });
    const killed = [...outcomes.values()].filter((d) => drainEvent(d).event === 'cut');
    // A worker SIGKILLed at the deadline with 0 connections cut (it outlived its drain) cut nothing: lingeredPids.
    const cut = killed.filter((d) => d.connectionsCut !== 0);
    emit({
      event: 'result', ...r,
      connectionsCut: cut.reduce((n, d) => n + (d.connectionsCut ?? 0), 0),
      cutPids: cut.map((d) => d.pid),
      lingeredPids: killed.filter((d) => d.connectionsCut === 0).map((d) => d.pid),
    });
    return r;
  } finally {
    events.off('swap-start', onStart);
    events.off('spawn', onSpawn);
    events.off('ready', onReady);
    events.off('drained', onDrained);
    events.off('state', onState);
  }
}

/** The same as a stream of JSON lines, for the control API. */
export function reloadProgressStream(events: EventEmitter, reload: () => Promise<SwapResult>, serving?: () => boolean): Readable {
  const out = new PassThrough();
  void reloadWithProgress(events, reload, (e) => { out.write(`${JSON.stringify(e)}\n`); }, serving)
    .catch((err) => { out.write(`${JSON.stringify({ event: 'result', ok: false, error: toHoldfastError(err).toJSON() })}\n`); })
    .finally(() => out.end());
  return out;
}
