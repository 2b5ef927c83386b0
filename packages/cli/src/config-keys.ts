import { DURATION_FORMATS } from '@holdfast/core/client';
import { OPS_KEYS } from './config-ops.js';
import { SWAPS_KEYS } from './config-swaps.js';

/** `--output-tag`: `auto` tags lines when a person reads them (stdout is a TTY, or `holdfast dev`). */
export type OutputTagSetting = 'auto' | 'prefix' | 'none';
export const OUTPUT_MODES = ['pipe', 'inherit'] as const;
export const OUTPUT_TAGS = ['auto', 'prefix', 'none'] as const;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Keys of the config file and what each expects (also the error text; docs/config.md lists them, test/docs-sync.test.ts checks). */
export const CONFIG_KEYS = {
  listen: 'an object of NAME: SPEC, e.g. {"http": "tcp://127.0.0.1:3000"}',
  command: 'a non-empty array of strings, e.g. ["node", "server.mjs"]',
  cwd: 'a directory path (relative to the config file)',
  control: 'a control socket path (relative to the config file)',
  readyTimeout: `a duration like ${DURATION_FORMATS}, at least 1 ms and at most 24.8 days`,
  drainTimeout: `a duration like ${DURATION_FORMATS}, at most 24.8 days`,
  logLevel: `one of ${LOG_LEVELS.join(', ')}`,
  workers: 'a whole number of worker processes, 1 to 1024, or "max" (one per CPU); a number is a JSON number, not a string',
  reloadStrategy: 'one of rolling, all-at-once',
  maxExtra: 'a whole number of extra processes allowed during a swap, 1 to 1024',
  settle: `a duration like ${DURATION_FORMATS}`,
  watchdog: 'a duration like 10s, or 0 to disable',
  maxRestarts: 'a whole number of consecutive failures before the service is marked failed, 1 to 1000000',
  dev: 'an object with watch, ignore, ext and debounce',
  ...OPS_KEYS,
  ...SWAPS_KEYS,
  preload: 'true or false: preload the register hook into Node commands (default true)',
  waitReady: 'true or false: READY=1 when the app calls process.send(\'ready\') (default false)',
  strict: 'true or false: an app\'s listen on a port holdfast does not hold fails (default false)',
  output: 'one of pipe, inherit',
  outputTag: 'one of auto, prefix, none',
  outputTimestamps: 'true or false',
} as const;
export const DEV_KEYS = {
  watch: 'an array of paths to watch (relative to the config file)',
  ignore: 'an array of glob patterns, e.g. ["**/*.test.ts"]',
  ext: 'an array of file extensions whose changes reload, e.g. ["js", "ts", "graphql"], or ["*"] for any file',
  debounce: `a duration like ${DURATION_FORMATS}`,
} as const;

export const INT_LIMITS = { workers: 1024, maxExtra: 1024, maxRestarts: 1_000_000 } as const;
