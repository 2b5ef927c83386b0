/**
 * Invariant 3: at most one swap runs at a time; every trigger that arrives meanwhile (reload, SIGHUP, crash
 * restart) joins one queued follow-up swap, which runs as a reload once the running one is over.
 */

/** The kind of swap a trigger asks for; `recycle` replaces chosen slots on the current launch spec (--max-memory). */
export type SwapKind = 'start' | 'reload' | 'restart' | 'recycle';

interface Deferred<T> { promise: Promise<T>; resolve: (v: T | Promise<T>) => void }
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T | Promise<T>) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}

/** Runs swaps one at a time and coalesces the triggers that arrive meanwhile into one follow-up. */
export class SwapQueue<R> {
  private current: Promise<R> | null = null;
  private queued: Deferred<R> | null = null;

  /**
   * @param run performs one swap.
   * @param closed true once no swap may start any more; queued triggers then reject with `closedError()`.
   * @param idle called when a swap ends with nothing queued.
   */
  constructor(private readonly run: (kind: SwapKind) => Promise<R>, private readonly closed: () => boolean,
    private readonly closedError: () => Error, private readonly idle: () => void) {}

  /** Is a swap running / is a follow-up queued? */
  get running(): boolean { return this.current !== null; }
  get pending(): boolean { return this.queued !== null; }

  /** Run `kind` now, or join the queued follow-up when a swap is running (it resolves with that swap's result). */
  request(kind: SwapKind): Promise<R> {
    if (this.closed()) return Promise.reject(this.closedError());
    if (!this.current) {
      this.current = this.run(kind).finally(() => this.next());
      return this.current;
    }
    this.queued ??= deferred<R>();
    return this.queued.promise;
  }

  private next(): void {
    this.current = null;
    const q = this.queued;
    this.queued = null;
    if (this.closed()) {
      q?.resolve(Promise.reject(this.closedError()));
      return;
    }
    if (q) {
      this.current = this.run('reload').finally(() => this.next());
      q.resolve(this.current);
    } else {
      this.idle();
    }
  }
}
