import { EventEmitter } from 'node:events';

/** Bytes of worker output the holder keeps for `holdfast logs` (GET /logs). */
export const DEFAULT_LOG_BUFFER_BYTES = 1024 * 1024;

/** One line of worker output as `GET /logs` serves it (one JSON object per line). */
export interface LogLine {
  /** Wall-clock time the holder read it, ISO 8601. */
  time: string;
  generation: number;
  pid: number;
  stream: 'stdout' | 'stderr';
  /** The line as the worker wrote it, without the newline (invalid UTF-8 replaced by U+FFFD). */
  line: string;
}

/** A block of complete lines read in one go from one worker stream. */
interface Block {
  time: number;
  generation: number;
  pid: number;
  stream: 'stdout' | 'stderr';
  /** Complete lines, each ending in '\n'. */
  data: Buffer;
}

function splitBlock(b: Block): LogLine[] {
  const time = new Date(b.time).toISOString();
  const text = b.data.toString('utf8');
  const parts = text.split('\n');
  parts.pop(); // after the last '\n'
  return parts.map((line) => ({ time, generation: b.generation, pid: b.pid, stream: b.stream, line }));
}

/**
 * The recent output of the workers, bounded in bytes (oldest blocks go first). Stores blocks of lines as read,
 * so the copy path does no per-line work; lines are split only when someone asks (`holdfast logs`).
 * Events: 'lines' (LogLine[]) for every block added, for `GET /logs?follow=1`.
 */
export class LogRing extends EventEmitter {
  private readonly blocks: Block[] = [];
  private head = 0;
  private bytes = 0;

  constructor(readonly maxBytes = DEFAULT_LOG_BUFFER_BYTES) {
    super();
    this.setMaxListeners(0);
  }

  /** Keep `data` (complete lines, each ending in '\n') of one worker stream. */
  add(generation: number, pid: number, stream: 'stdout' | 'stderr', data: Buffer): void {
    if (this.maxBytes <= 0) return;
    const block: Block = { time: Date.now(), generation, pid, stream, data };
    this.blocks.push(block);
    this.bytes += data.length;
    while (this.bytes > this.maxBytes && this.head < this.blocks.length - 1) {
      this.bytes -= this.blocks[this.head].data.length;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.blocks.length) { this.blocks.splice(0, this.head); this.head = 0; }
    if (this.listenerCount('lines') > 0) this.emit('lines', splitBlock(block));
  }

  /** The last `n` lines (all kept lines when n is undefined), oldest first, of `generation` if given. */
  tail(n?: number, generation?: number): LogLine[] {
    const out: LogLine[] = [];
    for (let i = this.blocks.length - 1; i >= this.head; i--) {
      const b = this.blocks[i];
      if (generation !== undefined && b.generation !== generation) continue;
      out.unshift(...splitBlock(b));
      if (n !== undefined && out.length >= n) break;
    }
    return n === undefined ? out : out.slice(Math.max(0, out.length - n));
  }

  /** Bytes currently kept. */
  get size(): number {
    return this.bytes;
  }
}
