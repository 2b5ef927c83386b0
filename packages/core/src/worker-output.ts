import type { Readable } from 'node:stream';
import { LogRing, DEFAULT_LOG_BUFFER_BYTES } from './log-ring.js';
import { holderOutputs, type OutputSink, type OutputSinkCounts } from './output-sink.js';
import type { ChildHandle, ProcessHost } from './process-host.js';

/**
 * `pipe` (default): every worker gets its own stdout and stderr pipes and the holder copies them to its own,
 * whole lines at a time, so a broken or full destination drops lines instead of blocking or killing a worker.
 * `inherit`: workers write to the holder's stdout and stderr fds directly (nothing copied, nothing counted,
 * no `holdfast logs`, no stderr in failure reports).
 */
export type OutputMode = 'pipe' | 'inherit';

/** `prefix`: each line gets `[g<generation> <pid>] ` (a JSON object line gets a `"holdfast"` field instead). `none`: bytes exactly as written. */
export type OutputTag = 'prefix' | 'none';

/** How worker output is copied. */
export interface WorkerOutputOptions {
  mode: OutputMode;
  tag: OutputTag;
  /** Add the ISO time the holder read each line (in the prefix, or in the `"holdfast"` field of a JSON line). */
  timestamps: boolean;
  /** Bytes kept for `holdfast logs`; 0 keeps none. Default 1 MiB. */
  logBufferBytes?: number;
}

/** A line longer than this without a newline is passed on as a line of its own (bounds the holder's memory). */
const MAX_LINE_BYTES = 64 * 1024;
/** Bytes of each worker's stderr kept for the failure report (the last lines before it died). */
const STDERR_TAIL_BYTES = 8 * 1024;
/** Workers whose stderr tail is kept after they exited (newest first), for the failure report. */
const KEPT_TAILS = 32;
const NL = 0x0a;

/** `status.output`: the mode and the counters of the holder's two outputs. */
export interface WorkerOutputStatus {
  mode: OutputMode;
  tag: OutputTag;
  stdout: OutputSinkCounts;
  stderr: OutputSinkCounts;
  /** Bytes of worker output kept for `holdfast logs`. */
  bufferedBytes: number;
}

interface WorkerMeta { pid: number; generation: number }

function countLines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(NL); i >= 0; i = buf.indexOf(NL, i + 1)) n++;
  return n;
}

/**
 * Copies each worker's stdout and stderr to the holder's, keeps the recent lines in a {@link LogRing} and the
 * last bytes of each worker's stderr for failure reports.
 */
export class WorkerOutput {
  readonly ring: LogRing;
  private readonly tails = new Map<number, Buffer>();
  private readonly ended = new Map<number, Promise<void>>();
  private readonly sinks: { stdout: OutputSink; stderr: OutputSink };

  constructor(readonly opts: WorkerOutputOptions, sinks = holderOutputs()) {
    this.ring = new LogRing(opts.mode === 'pipe' ? opts.logBufferBytes ?? DEFAULT_LOG_BUFFER_BYTES : 0);
    this.sinks = sinks;
  }

  /** Copy one worker's two streams until they end. */
  attach(meta: WorkerMeta, stdout: Readable, stderr: Readable): void {
    const done = Promise.all([this.copy(meta, 'stdout', stdout), this.copy(meta, 'stderr', stderr)]).then(() => {});
    this.ended.set(meta.pid, done);
    void done.then(() => this.ended.delete(meta.pid));
  }

  private copy(meta: WorkerMeta, name: 'stdout' | 'stderr', stream: Readable): Promise<void> {
    const sink = this.sinks[name];
    let partial: Buffer | null = null;
    const emit = (data: Buffer) => {
      this.ring.add(meta.generation, meta.pid, name, data);
      if (name === 'stderr') this.keepTail(meta.pid, data);
      sink.write(this.opts.tag === 'none' && !this.opts.timestamps ? data : this.tagged(meta, data), countLines(data));
    };
    return new Promise((resolve) => {
      stream.on('data', (chunk: Buffer) => {
        const last = chunk.lastIndexOf(NL);
        if (last < 0) {
          partial = partial ? Buffer.concat([partial, chunk]) : chunk;
          if (partial.length >= MAX_LINE_BYTES) { emit(Buffer.concat([partial, Buffer.from('\n')])); partial = null; }
          return;
        }
        const complete = chunk.subarray(0, last + 1);
        emit(partial ? Buffer.concat([partial, complete]) : complete);
        partial = last + 1 < chunk.length ? chunk.subarray(last + 1) : null;
      });
      const end = () => {
        if (partial) { emit(Buffer.concat([partial, Buffer.from('\n')])); partial = null; }
        resolve();
      };
      stream.once('end', end);
      stream.once('error', end);
    });
  }

  /** `[g2 1234] line` per line; a JSON object line gets `"holdfast":{"generation":2,"pid":1234}` as its first field. */
  private tagged(meta: WorkerMeta, data: Buffer): string {
    const time = this.opts.timestamps ? new Date().toISOString() : null;
    const tag = this.opts.tag === 'prefix';
    const prefix = `${time ? `${time} ` : ''}${tag ? `[g${meta.generation} ${meta.pid}] ` : ''}`;
    const field = `"holdfast":{${tag ? `"generation":${meta.generation},"pid":${meta.pid}` : ''}${time ? `${tag ? ',' : ''}"time":"${time}"` : ''}}`;
    const lines = data.toString('utf8').split('\n');
    lines.pop();
    let out = '';
    for (const line of lines) {
      if (line.startsWith('{') && line.trimEnd().endsWith('}')) {
        const rest = line.slice(1).trimStart();
        out += `{${field}${rest.startsWith('}') ? '' : ','}${rest}\n`;
      } else {
        out += `${prefix}${line}\n`;
      }
    }
    return out;
  }

  private keepTail(pid: number, data: Buffer): void {
    const prev = this.tails.get(pid);
    let next = prev ? Buffer.concat([prev, data]) : Buffer.from(data);
    if (next.length > STDERR_TAIL_BYTES) next = next.subarray(next.length - STDERR_TAIL_BYTES);
    this.tails.delete(pid);
    this.tails.set(pid, next);
    while (this.tails.size > KEPT_TAILS) this.tails.delete(this.tails.keys().next().value!);
  }

  /**
   * The last `n` lines the worker `pid` wrote to stderr (what was read so far). Waits up to `waitMs` for its
   * streams to end first, so an exited worker's last words are in (a descendant may hold the pipe open longer).
   */
  async stderrTail(pid: number, n = 20, waitMs = 500): Promise<string[]> {
    const ended = this.ended.get(pid);
    if (ended && waitMs > 0) {
      let t: NodeJS.Timeout | undefined;
      await Promise.race([ended, new Promise((r) => { t = setTimeout(r, waitMs); })]);
      clearTimeout(t);
    }
    const tail = this.tails.get(pid);
    if (!tail) return [];
    const lines = tail.toString('utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    if (tail.length >= STDERR_TAIL_BYTES) lines.shift(); // cut in the middle of a line
    return lines.slice(-n);
  }

  status(): WorkerOutputStatus {
    return { mode: this.opts.mode, tag: this.opts.tag, stdout: this.sinks.stdout.snapshot(), stderr: this.sinks.stderr.snapshot(), bufferedBytes: this.ring.size };
  }

  /**
   * A ProcessHost whose workers get their own stdout/stderr pipes, copied by this WorkerOutput. The generation
   * comes from the worker's environment (HOLDFAST_GENERATION). In `inherit` mode `host` is returned unchanged.
   */
  wrap(host: ProcessHost): ProcessHost {
    if (this.opts.mode !== 'pipe') return host;
    return {
      kill: (pid, signal) => host.kill(pid, signal),
      killGroup: (pgid, signal) => host.killGroup(pgid, signal),
      message: (address, payload) => host.message(address, payload),
      now: () => host.now(),
      setTimer: (fn, ms) => host.setTimer(fn, ms),
      ...(host.openConnections ? { openConnections: (pid: number, ports: ReadonlySet<number>) => host.openConnections!(pid, ports) } : {}),
      ...(host.probeIdleStart ? { probeIdleStart: () => host.probeIdleStart!() } : {}),
      ...(host.endIdleStart ? { endIdleStart: (pid: number) => host.endIdleStart!(pid) } : {}),
      spawn: (req) => {
        const child: ChildHandle = host.spawn({ ...req, output: 'pipe' });
        if (child.stdout && child.stderr) {
          this.attach({ pid: child.pid, generation: Number(req.env.HOLDFAST_GENERATION ?? 0) }, child.stdout, child.stderr);
        }
        return child;
      },
    };
  }
}
