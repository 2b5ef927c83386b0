import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string): string => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));

/**
 * Two projects:
 * - unit: the packages' own tests, in seconds, against the source (`@holdfast/*` resolve to packages/* /src, so an
 *   edit is tested without a rebuild). They use the fake process host (@holdfast/core/testing), real fds and
 *   sockets, and at most short-lived helper processes.
 * - e2e: real holders, real workers and real load, against the built packages (`pnpm run build` first). The
 *   adapter's tests in packages/http-adapter/test spawn worker fixtures that import the built adapter, so they
 *   are e2e too; its pure unit tests live in packages/http-adapter/test/unit.
 */
const UNIT = ['packages/native/test/**/*.test.ts', 'packages/core/test/**/*.test.ts', 'packages/cli/test/**/*.test.ts', 'packages/http-adapter/test/unit/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        resolve: {
          alias: [
            { find: /^@holdfast\/core\/testing$/, replacement: src('core/src/testing/index.ts') },
            { find: /^@holdfast\/(native|core|http-adapter|cli)$/, replacement: src('$1/src/index.ts') },
            { find: /^@holdfast\/(native|core|http-adapter|cli)\/([\w-]+)$/, replacement: src('$1/src/$2.ts') },
          ],
        },
        // One worker process reused across the unit files (no per-file isolation): 6-8 s instead of 22 s on 2 cores.
        // Unit tests keep no state between files; a test that needs a fresh module graph belongs in e2e.
        test: { name: 'unit', include: UNIT, isolate: false },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...UNIT, '**/node_modules/**'],
          // End-to-end suites start real holders and real load on a 2-core machine: one file at a time keeps the
          // load of one suite from starving another's workers.
          fileParallelism: false,
        },
      },
    ],
  },
});
