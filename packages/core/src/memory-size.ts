/**
 * Memory sizes for `--max-memory` and a process's RSS, apart from the memory watch itself (memory-watch.ts), so
 * that the CLI can check the option without loading prom-client.
 */
import { readFile } from 'node:fs/promises';
import { HoldfastError } from './errors.js';

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/**
 * Parse a memory size: `512M`, `1G`, `1.5G`, `800MiB`, `64K`, or a number of bytes. Units are powers of 1024
 * (as systemd's MemoryMax= and PM2's max_memory_restart read them); `B`, `iB` suffixes are accepted.
 * @returns bytes, at least 1 MiB.
 * @throws HoldfastError ERR_HOLDFAST_INVALID_OPTION naming `option`, the value and what is expected.
 */
export function parseMemorySize(value: string | number, option: string): number {
  const m = typeof value === 'number' ? null : /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$/i.exec(value);
  const bytes = typeof value === 'number' ? value : m ? Math.round(Number(m[1]) * UNITS[m[2].toUpperCase()]) : NaN;
  if (!Number.isFinite(bytes) || bytes < 1024 ** 2) {
    throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION',
      `${option} must be a memory size like 512M, 1G or 1.5G (powers of 1024), at least 1M; got ${JSON.stringify(value)}`);
  }
  return bytes;
}

/** Resident set size of `pid` in bytes (VmRSS of /proc/PID/status, proc(5)); null when the process is gone. */
export async function readRss(pid: number): Promise<number | null> {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}
