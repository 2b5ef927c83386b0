import { Client, Pool } from 'undici';

/** Counts from a load run. */
export interface LoadReport {
  requests: number;
  ok: number;
  non2xx: number;
  /** Error count by code (ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET, ...). */
  errors: Record<string, number>;
}

function count(r: LoadReport, err: unknown): void {
  const e = err as { code?: string; cause?: { code?: string } };
  const code = e.cause?.code ?? e.code ?? String(err);
  r.errors[code] = (r.errors[code] ?? 0) + 1;
}

/**
 * Keep `connections` loops of GET requests running until `stop()` is called.
 * mode 'keep-alive': one undici Pool with that many pooled connections (reused).
 * mode 'new-connection': each request on a fresh connection (undici `reset: true`).
 */
export function startLoad(url: string, opts: { connections: number; mode: 'keep-alive' | 'new-connection'; path?: string; method?: 'GET' | 'POST' }) {
  const report: LoadReport = { requests: 0, ok: 0, non2xx: 0, errors: {} };
  let running = true;
  const path = opts.path ?? '/';
  const pool = new Pool(url, { connections: opts.connections, pipelining: 1 });
  const loops = Array.from({ length: opts.connections }, async () => {
    while (running) {
      report.requests++;
      try {
        const res = await pool.request({ path, method: opts.method ?? 'GET', reset: opts.mode === 'new-connection',
          body: opts.method === 'POST' ? JSON.stringify({ n: report.requests }) : undefined,
          headers: opts.method === 'POST' ? { 'content-type': 'application/json' } : undefined });
        await res.body.text();
        if (res.statusCode >= 200 && res.statusCode < 300) report.ok++; else report.non2xx++;
      } catch (err) {
        count(report, err);
      }
    }
  });
  return {
    report,
    async stop(): Promise<LoadReport> {
      running = false;
      await Promise.all(loops);
      await pool.close();
      return report;
    },
  };
}

export { Client };
