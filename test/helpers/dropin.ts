// Shared by the test/dropin-*.test.ts suites: an unmodified app under `holdfast run` (the holder preloads the
// register hook by itself), reloaded under keep-alive and new-connection load, then one SIGKILL.
import { join } from 'node:path';
import { expect } from 'vitest';
import { fixture, HolderProcess, sleep } from './holdfast.js';
import { startLoad, type LoadReport } from './load.js';

export const dropin = (name: string) => join(fixture('dropin'), name);

export { freePort } from './free-port.js';

export interface Figures {
  /** Requests during the reloads, per client kind. */
  keepAlive: LoadReport;
  newConnection: LoadReport;
  /** Failures around the SIGKILL (only requests in flight inside the killed process can be cut). */
  afterKill: LoadReport;
  /** pids of the generations that served. */
  pids: number[];
}

const failed = (r: LoadReport) => r.non2xx + Object.values(r.errors).reduce((a, b) => a + b, 0);

const why = (r: LoadReport) => JSON.stringify({ ...r.errors, ...(r.non2xx ? { non2xx: r.non2xx } : {}) });

/** A drop-in scenario's own time limit (ms): holder start, 3 reloads, a crash restart and the stop, on a loaded machine. */
export const SCENARIO_TIMEOUT_MS = 180_000;

/** One line per scenario in the test output: the figures the docs quote. */
export function describeFigures(label: string, f: Figures): string {
  return `${label}: ${f.keepAlive.requests + f.newConnection.requests} requests across ${f.pids.length - 1} reloads, ` +
    `${failed(f.keepAlive) + failed(f.newConnection)} failed (keep-alive ${f.keepAlive.requests}: ${why(f.keepAlive)}; new-connection ${f.newConnection.requests}: ${why(f.newConnection)}); ` +
    `SIGKILL: ${f.afterKill.requests} requests, ${f.afterKill.errors.ECONNREFUSED ?? 0} refused, ${failed(f.afterKill)} cut`;
}

/**
 * Start `holdfast run <holderArgs> -- <command>`, wait for generation 1, run `reloads` reloads under load (an undici
 * Pool of 8 keep-alive connections and 4 new-connection clients on `url(port)`), then SIGKILL the serving process
 * and wait for its replacement under new-connection load. Asserts every reload succeeded; returns the counts.
 */
export async function reloadsUnderLoad(opts: {
  holderArgs: string[];
  command: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Name of the held socket the load goes to. Default 'http'. */
  socket?: string;
  reloads?: number;
  path?: string;
}): Promise<{ holder: HolderProcess; figures: Figures }> {
  const holder = new HolderProcess([...opts.holderArgs, '--', ...opts.command], { env: opts.env, cwd: opts.cwd });
  try {
    const first = await holder.waitReady(1, 30_000);
    const { port } = await holder.address(opts.socket ?? 'http');
    const url = `http://127.0.0.1:${port}`;
    const keepAlive = startLoad(url, { connections: 8, mode: 'keep-alive', path: opts.path });
    const fresh = startLoad(url, { connections: 4, mode: 'new-connection', path: opts.path });
    const pids = [first.workers[0]!.pid];
    const reloads = opts.reloads ?? 3;
    for (let i = 0; i < reloads; i++) {
      await sleep(300);
      const r = await holder.reloadCli();
      expect(r.code, `reload ${i + 1}:\n${r.out}\n${holder.output.slice(-3000)}`).toBe(0);
      const s = await holder.status();
      pids.push(s.workers.find((w) => w.generation === s.generation)!.pid);
    }
    await sleep(300);
    const figures: Figures = { keepAlive: await keepAlive.stop(), newConnection: await fresh.stop(), afterKill: { requests: 0, ok: 0, non2xx: 0, errors: {} }, pids };

    const kill = startLoad(url, { connections: 4, mode: 'new-connection', path: opts.path });
    await sleep(300);
    const before = await holder.status();
    const victim = before.workers.find((w) => w.generation === before.generation)!;
    // The serving process: under a wrapper (npm, tsx) the server told the holder its pid with MAINPID=.
    const mainPid = victim.mainPid ?? victim.pid;
    process.kill(mainPid, 'SIGKILL');
    await holder.waitReady(before.generation + 1, 30_000);
    await sleep(300);
    figures.afterKill = await kill.stop();
    return { holder, figures };
  } catch (err) {
    await holder.stop();
    throw err;
  }
}

/** The assertions every drop-in scenario makes: 0 failed requests across reloads; after the SIGKILL nothing
 * refused and at most one cut per client connection. */
export function expectZeroLoss(f: Figures): void {
  expect(new Set(f.pids).size).toBe(f.pids.length);
  expect(f.keepAlive.requests).toBeGreaterThan(50);
  expect(f.newConnection.requests).toBeGreaterThan(20);
  expect(f.keepAlive.errors).toEqual({});
  expect(f.newConnection.errors).toEqual({});
  expect(f.keepAlive.non2xx + f.newConnection.non2xx).toBe(0);
  expect(f.keepAlive.ok).toBe(f.keepAlive.requests);
  expect(f.afterKill.errors.ECONNREFUSED ?? 0).toBe(0);
  expect(failed(f.afterKill)).toBeLessThanOrEqual(4);
  expect(f.afterKill.ok).toBeGreaterThan(0);
}

export { sleep };
