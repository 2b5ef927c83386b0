import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-native-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `ss -ltnH sport = :port` → [Recv-Q, Send-Q] of the listening TCP socket (queued connections, backlog). */
export function listenQueue(port: number): { recvQ: number; sendQ: number } {
  const out = execFileSync('ss', ['-H', '-ltn', `sport = :${port}`], { encoding: 'utf8' }).trim();
  const cols = out.split(/\s+/);
  return { recvQ: Number(cols[1]), sendQ: Number(cols[2]) };
}

/** Resolves on the first event value, rejects after ms. */
export function withTimeout<T>(p: Promise<T>, ms = 5000, what = 'event'): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
