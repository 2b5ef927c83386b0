import { Writable } from 'node:stream';

/**
 * Bytes the holder lets queue in user space for one of its own outputs (stdout or stderr) before it drops
 * lines: a reader that stopped reading costs at most this much memory, and never blocks the holder.
 */
export const DEFAULT_OUTPUT_QUEUE_BYTES = 256 * 1024;

/** Counters of one holder output, as `status` and `/metrics` show them. */
export interface OutputSinkCounts {
  /** Lines written (or queued) to the destination. */
  lines: number;
  /** Lines dropped because the destination was broken (EPIPE, ...) or full. */
  dropped: number;
  /** Bytes of the dropped lines. */
  droppedBytes: number;
  /** Error code that broke the destination (e.g. `EPIPE`), or null while it works. */
  broken: string | null;
}

/**
 * One of the holder's own outputs (fd 1 or fd 2), shared by the workers' copied output and the holder's pino
 * logs. A write never blocks and never throws: when the destination is broken (the reader of a pipe went away:
 * EPIPE, a closed terminal: EIO) or full (more than `maxQueuedBytes` waiting in user space because the reader
 * does not keep up), the lines are dropped and counted instead.
 *
 * On Linux, Node writes to a pipe or socket stdout through libuv without blocking (the queue grows in user space;
 * `writableLength`), to a file synchronously (never blocks for long), to a TTY in blocking mode.
 */
export class OutputSink {
  private readonly counts: OutputSinkCounts = { lines: 0, dropped: 0, droppedBytes: 0, broken: null };

  constructor(readonly name: 'stdout' | 'stderr', private readonly stream: Writable,
    private readonly maxQueuedBytes = DEFAULT_OUTPUT_QUEUE_BYTES) {
    // An 'error' listener keeps EPIPE on our own stdout/stderr from becoming an uncaught exception.
    stream.on('error', (err: NodeJS.ErrnoException) => { this.counts.broken ??= err.code ?? err.message; });
  }

  /**
   * Write `data`, which holds `lines` complete lines. Returns false when they were dropped (and counted).
   */
  write(data: Buffer | string, lines: number): boolean {
    const s = this.stream;
    if (this.counts.broken !== null || s.destroyed || s.writableLength > this.maxQueuedBytes) {
      if (this.counts.broken === null && s.destroyed) this.counts.broken = 'closed';
      this.counts.dropped += lines;
      this.counts.droppedBytes += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
      return false;
    }
    try {
      s.write(data);
    } catch (err) {
      // A synchronous destination (a file) throws instead of emitting 'error' (ENOSPC, EIO).
      this.counts.broken ??= (err as NodeJS.ErrnoException).code ?? 'write failed';
      this.counts.dropped += lines;
      return false;
    }
    this.counts.lines += lines;
    return true;
  }

  snapshot(): OutputSinkCounts {
    return { ...this.counts };
  }
}

let sinks: { stdout: OutputSink; stderr: OutputSink } | null = null;

/**
 * The holder process's two outputs, created once (the logger and the worker-output copy share them and their
 * counters).
 */
export function holderOutputs(): { stdout: OutputSink; stderr: OutputSink } {
  sinks ??= { stdout: new OutputSink('stdout', process.stdout), stderr: new OutputSink('stderr', process.stderr) };
  return sinks;
}

/**
 * A stream for pino (or pino-pretty) writing to `sink`: one log line per write, dropped and counted when the sink
 * cannot take it, so the holder's own log never blocks it or kills it (EPIPE).
 */
export function sinkDestination(sink: OutputSink): Writable {
  return new Writable({
    decodeStrings: false,
    write(chunk: Buffer | string, _enc, cb) { sink.write(chunk, 1); cb(); },
  });
}
