/**
 * The human lines for progress events of `POST /reload?progress=1` and `POST /stop?progress=1` (core's
 * reload-progress.ts defines the events). Every line names the pid it is about.
 */

interface DrainLike {
  pid: number; generation: number; drainMs: number; killedAtDeadline: boolean;
  connectionsCut: number | null; requestsCut: number | null; exit?: { code: number | null; signal: string | null };
  /** ms from the drain signal to the worker's report that its own drain was over (absent from older holders). */
  drainReportedMs?: number | null;
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** `drained` / `cut` events as one line: what ended, how, after how long, and what was cut. */
export function drainLine(e: DrainLike & { event: string }): string {
  const head = `generation ${e.generation}: pid ${e.pid}`;
  if (e.killedAtDeadline && e.connectionsCut === 0) {
    const why = typeof e.drainReportedMs === 'number' ? `finished its drain after ${e.drainReportedMs} ms but did not exit` : 'had no connection open but did not exit';
    return `${head} ${why}; killed at the drain deadline after ${e.drainMs} ms; 0 connections cut`;
  }
  if (e.killedAtDeadline) {
    const cut = e.connectionsCut === null ? 'connections cut: unknown' : `${plural(e.connectionsCut, 'connection')} cut`;
    return `${head} killed at the drain deadline after ${e.drainMs} ms; ${cut}`;
  }
  if (e.event === 'cut' && e.connectionsCut === null && e.exit?.signal) {
    return `${head} killed by ${e.exit.signal} after ${e.drainMs} ms, before its drain finished; connections cut: unknown`;
  }
  if (e.event === 'cut') {
    const req = e.requestsCut ? ` (${plural(e.requestsCut, 'request')} in flight)` : '';
    return `${head} cut ${plural(e.connectionsCut ?? 0, 'connection')}${req} at its own drain deadline; exited after ${e.drainMs} ms`;
  }
  const x = e.exit;
  if (x && (x.signal || x.code !== 0)) return `${head} exited while draining (${x.signal ? `killed by ${x.signal}` : `code ${x.code}`}) after ${e.drainMs} ms`;
  return `${head} drained after ${e.drainMs} ms`;
}

/**
 * Total connections cut over the `cut` events seen, and their pids; apart from them, the workers killed at the
 * drain deadline with nothing cut (they outlived their drain: the command succeeds, but waited the whole timeout).
 */
export class CutTally {
  connections = 0;
  /** Workers killed at the deadline whose connections could not be counted. */
  unknown = 0;
  /** Workers killed by another signal before their drain finished (a manual kill -9, the OOM killer): cut, count unknown. */
  readonly interrupted: { pid: number; signal: string }[] = [];
  /** Workers whose drain cut connections (or an unknown number). */
  readonly pids: number[] = [];
  /** Workers killed at the deadline with 0 connections cut, and how long they were waited for (ms). */
  readonly lingered: { pid: number; drainMs: number; drainReportedMs: number | null }[] = [];
  add(e: DrainLike & { event: string }): void {
    if (e.event !== 'cut') return;
    if (e.killedAtDeadline && e.connectionsCut === 0) {
      this.lingered.push({ pid: e.pid, drainMs: e.drainMs, drainReportedMs: e.drainReportedMs ?? null });
      return;
    }
    if (!e.killedAtDeadline && e.connectionsCut === null && e.exit?.signal) {
      this.interrupted.push({ pid: e.pid, signal: e.exit.signal });
      return;
    }
    if (e.connectionsCut === null) this.unknown++;
    else this.connections += e.connectionsCut;
    this.pids.push(e.pid);
  }
  /** Connections were cut, or may have been (unknown): the command exits 1. */
  get any(): boolean { return this.pids.length > 0 || this.interrupted.length > 0; }
  /**
   * "8 connections cut at the drain deadline (pid 123)"; with uncountable ones "an unknown number of connections cut
   * at the drain deadline (pid 123)" or "at least 2 connections cut at the drain deadline, how many more is unknown (pid 123, 124)".
   */
  describe(): string {
    const killed = this.interrupted.map((k) => `pid ${k.pid} killed by ${k.signal} before its drain finished`).join(', ');
    if (this.pids.length === 0) return `connections cut, how many is unknown (${killed})`;
    return killed ? `${this.atDeadline()}; and connections cut, how many is unknown (${killed})` : this.atDeadline();
  }

  private atDeadline(): string {
    const pids = `(pid ${this.pids.join(', ')})`;
    if (this.unknown === 0) return `${plural(this.connections, 'connection')} cut at the drain deadline ${pids}`;
    if (this.connections === 0) return `an unknown number of connections cut at the drain deadline ${pids}`;
    return `at least ${plural(this.connections, 'connection')} cut at the drain deadline, how many more is unknown ${pids}`;
  }
  /**
   * For workers that outlived their drain (none: null): what happened, why it made the command slow, the likely
   * cause and the fix, as a note and a hint line. `what` is "reload" or "stop".
   */
  lingerNote(what: 'reload' | 'stop'): string | null {
    if (this.lingered.length === 0) return null;
    const pids = this.lingered.map((l) => l.pid).join(', ');
    const finished = this.lingered.every((l) => l.drainReportedMs !== null) ? 'finished its drain' : 'had no connection left';
    const waited = Math.max(...this.lingered.map((l) => l.drainMs));
    return `note: nothing was cut, but pid ${pids} ${finished} and did not exit, so it was killed at the drain deadline: the ${what} waited the whole --drain-timeout (${waited} ms)\n`
      + 'hint: something keeps the old process alive after its drain: an app SIGTERM handler that does not exit, or a timer or open handle keeping the event loop alive. '
      + 'Under the register hook the adapter drains first, then runs the app\'s own SIGTERM handlers and leaves the exit to them (with none it exits by itself); serve() exits after its drain unless given exitOnDrain: false. '
      + 'End the handler with process.exit(0), or clear the timer/handle on SIGTERM.';
  }
}
