/**
 * The human lines for progress events of `POST /reload?progress=1` and `POST /stop?progress=1` (core's
 * reload-progress.ts defines the events). Every line names the pid it is about.
 */

interface DrainLike {
  pid: number; generation: number; drainMs: number; killedAtDeadline: boolean;
  connectionsCut: number | null; requestsCut: number | null; exit?: { code: number | null; signal: string | null };
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** `drained` / `cut` events as one line: what ended, how, after how long, and what was cut. */
export function drainLine(e: DrainLike & { event: string }): string {
  const head = `generation ${e.generation}: pid ${e.pid}`;
  if (e.killedAtDeadline) {
    const cut = e.connectionsCut === null ? 'connections cut: unknown' : `${plural(e.connectionsCut, 'connection')} cut`;
    return `${head} killed at the drain deadline after ${e.drainMs} ms; ${cut}`;
  }
  if (e.event === 'cut') {
    const req = e.requestsCut ? ` (${plural(e.requestsCut, 'request')} in flight)` : '';
    return `${head} cut ${plural(e.connectionsCut ?? 0, 'connection')}${req} at its own drain deadline; exited after ${e.drainMs} ms`;
  }
  const x = e.exit;
  if (x && (x.signal || x.code !== 0)) return `${head} exited while draining (${x.signal ? `killed by ${x.signal}` : `code ${x.code}`}) after ${e.drainMs} ms`;
  return `${head} drained after ${e.drainMs} ms`;
}

/** Total connections cut over the `cut` events seen, and their pids. */
export class CutTally {
  connections = 0;
  /** Workers killed at the deadline whose connections could not be counted. */
  unknown = 0;
  readonly pids: number[] = [];
  add(e: DrainLike & { event: string }): void {
    if (e.event !== 'cut') return;
    if (e.connectionsCut === null) this.unknown++;
    else this.connections += e.connectionsCut;
    this.pids.push(e.pid);
  }
  get any(): boolean { return this.pids.length > 0; }
  /** "8 connections cut at the drain deadline (pid 123)", or "connections cut at the drain deadline, how many is unknown (pid 123)". */
  describe(): string {
    const pids = `(pid ${this.pids.join(', ')})`;
    if (this.unknown === 0) return `${plural(this.connections, 'connection')} cut at the drain deadline ${pids}`;
    const known = this.connections > 0 ? `at least ${plural(this.connections, 'connection')}` : 'connections';
    return `${known} cut at the drain deadline, how many is unknown ${pids}`;
  }
}
