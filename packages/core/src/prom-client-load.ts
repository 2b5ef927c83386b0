/**
 * Load the parts of prom-client the holder's metrics use, one module each, instead of its index.
 *
 * prom-client's index also requires its Pushgateway client, which loads node:https, node:tls, node:crypto (OpenSSL)
 * and node:zlib, and its Summary (tdigest): about 2 MiB of a holder's RSS for code the holder never runs (measured
 * with `node bench/holder-footprint.mjs --metrics`, docs/measurements.md). The modules below are the same ones the
 * index re-exports (prom-client 15 has no `exports` map, so each file is reachable by its path); if a release
 * moves them, the index is loaded instead, so metrics keep working and only the saving is lost
 * (packages/core/test/metrics.test.ts checks that the direct path is the one taken).
 */
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as PromClient from 'prom-client';

/** What createMetrics() uses of prom-client. */
export interface PromClientParts {
  Registry: typeof PromClient.Registry;
  Counter: typeof PromClient.Counter;
  Gauge: typeof PromClient.Gauge;
  Histogram: typeof PromClient.Histogram;
  collectDefaultMetrics: typeof PromClient.collectDefaultMetrics;
  /** 'modules': loaded file by file (the light way); 'index': through prom-client's index (the fallback). */
  via: 'modules' | 'index';
}

/** Each part's module inside the prom-client package (the paths its index.js requires). */
const PARTS = {
  Registry: 'lib/registry',
  Counter: 'lib/counter',
  Gauge: 'lib/gauge',
  Histogram: 'lib/histogram',
  collectDefaultMetrics: 'lib/defaultMetrics',
} as const;

let loaded: PromClientParts | undefined;

/**
 * prom-client's Registry, Counter, Gauge, Histogram and collectDefaultMetrics, loaded synchronously, module by
 * module (falls back to the whole index when a path cannot be resolved).
 * @throws the loader's error (MODULE_NOT_FOUND) only when prom-client itself is not installed.
 * Loaded once per process (the metrics and the --max-memory watch share it).
 */
export function loadPromClient(): PromClientParts {
  return loaded ??= load();
}

function load(): PromClientParts {
  // From the package's real directory (pnpm links it from the store): its own dependencies (tdigest, bintrees,
  // @opentelemetry/api) resolve only from there, whatever the loader makes of the link.
  const dir = realpathSync(dirname(createRequire(import.meta.url).resolve('prom-client/package.json')));
  const require = createRequire(join(dir, 'package.json'));
  try {
    const parts = Object.fromEntries(Object.entries(PARTS).map(([name, path]) => [name, require(join(dir, path)) as unknown]));
    if (Object.values(parts).every((p) => typeof p === 'function')) return { ...(parts as Omit<PromClientParts, 'via'>), via: 'modules' };
  } catch { /* a release that moved its files: the index below */ }
  const index = require(dir) as typeof PromClient;
  return {
    Registry: index.Registry, Counter: index.Counter, Gauge: index.Gauge, Histogram: index.Histogram,
    collectDefaultMetrics: index.collectDefaultMetrics, via: 'index',
  };
}
