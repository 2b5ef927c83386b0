import { statSync } from 'node:fs';
import { extname, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { watch } from 'chokidar';
import { HoldfastError, type Logger, type SwapResult } from '@holdfast/core';
import { resolveConfig, type ConfigFlags } from './config.js';
import { logCliWarning } from './errors.js';
import { startHolder } from './start-holder.js';
import { DEFAULT_IGNORED_DIRS, DEFAULT_IGNORED_GLOBS, extensionFilter, ignoreFilter, ownOutputFiles, parseExtensions } from './watch-filter.js';

/** Dev defaults: a broken edit is reported after 10 s, not 30; an old generation gets 5 s to finish. */
export const DEV_DEFAULTS = { readyTimeoutMs: 10_000, drainTimeoutMs: 5_000 };

/**
 * Calls `reload` once per burst: every `trigger` restarts a quiet period of `ms`; when it ends, one reload runs.
 * A burst that arrives while a reload runs makes exactly one more (the supervisor also coalesces, Invariant 3).
 */
export function debounced(ms: number, reload: (changes: string[]) => Promise<void>): { trigger(path: string): void; cancel(): void } {
  let timer: NodeJS.Timeout | null = null;
  let pending: string[] = [];
  let running: Promise<void> | null = null;
  const fire = () => {
    timer = null;
    if (running) { timer = setTimeout(fire, ms); return; }
    const changes = pending;
    pending = [];
    running = reload(changes).finally(() => { running = null; });
  };
  return {
    trigger(path) {
      pending.push(path);
      if (timer) clearTimeout(timer);
      timer = setTimeout(fire, ms);
    },
    cancel() { if (timer) clearTimeout(timer); timer = null; },
  };
}

/** The holder already logged the outcome (ready, or why it failed with the hint); dev adds only what to do next. */
function report(log: Logger, why: string, r: SwapResult): void {
  if (!r.ok) log.info({ why, generation: r.generation }, 'Save again to retry, or type rs + Enter.');
}

/**
 * `holdfast dev`: `run` plus a file watcher. Every burst of changes (debounced) is one blue-green reload on the
 * same sockets, so a request during a reload waits instead of being refused; a broken edit leaves the last good
 * generation serving and the next save tries again. `rs` + Enter reloads by hand (as in nodemon).
 * Resolves when the holder has stopped (Ctrl-C).
 */
export async function devCommand(flags: ConfigFlags, command: string[]): Promise<void> {
  const cfg = resolveConfig(flags, command, process.env, process.cwd(), DEV_DEFAULTS);
  const roots = cfg.watch.length > 0 ? cfg.watch : [cfg.cwd];
  // A watch path that does not exist would watch nothing, silently: refuse it before anything starts.
  for (const r of roots) {
    if (!statSync(r, { throwIfNoEntry: false })) {
      throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `--watch ${r}: no such file or directory`,
        { hint: 'Give an existing file or directory to --watch (or "dev.watch" in the config file).' });
    }
  }
  const extensions = parseExtensions(cfg.extensions);
  const byExtension = extensionFilter(extensions);
  // A file named with --watch is watched whatever its extension (`--watch version.txt`), as in nodemon.
  const named = new Set(roots.filter((r) => statSync(r).isFile()).map((r) => resolve(r)));
  const wanted = (path: string): boolean => named.has(resolve(path)) || byExtension(path);
  // `holdfast dev > dev.log` must not reload on its own output.
  const output = ownOutputFiles();
  const ignored = ignoreFilter(roots, cfg.ignore, output);
  const holder = await startHolder(cfg, 'stay', { dev: true });
  const log = holder.log;

  const reload = async (why: string) => {
    try {
      report(log, why, await holder.reload());
    } catch (err) {
      logCliWarning(log, 'WARN_HOLDFAST_RELOAD_NOT_STARTED', { why, err: (err as Error).message }, 'reload not started');
    }
  };
  const burst = debounced(cfg.debounceMs, async (changes) => {
    const shown = changes.slice(0, 3).map((c) => relative(cfg.cwd, c) || c).join(', ') + (changes.length > 3 ? ` and ${changes.length - 3} more` : '');
    log.info({ changes: changes.length }, `change: ${shown}; reloading`);
    await reload('change');
  });
  const watcher = watch(roots, { ignored, ignoreInitial: true, atomic: true });
  watcher.on('all', (event, path) => {
    if (event === 'add' || event === 'change' || event === 'unlink') { if (wanted(path)) burst.trigger(path); }
  });
  watcher.on('error', (err) => logCliWarning(log, 'WARN_HOLDFAST_WATCH_ERROR', { err: (err as Error).message }, 'watch error'));
  watcher.on('ready', () => {
    let files = 0;
    for (const [dir, names] of Object.entries(watcher.getWatched())) {
      for (const n of names) if (extname(n) && wanted(`${dir}/${n}`) && !ignored(`${dir}/${n}`) && !(`${dir}/${n}` in watcher.getWatched())) files++;
    }
    const shown = roots.map((r) => relative(cfg.cwd, r) || '.').join(', ');
    const ignoring = [...DEFAULT_IGNORED_DIRS.map((d) => `${d}/`), ...DEFAULT_IGNORED_GLOBS, ...cfg.ignore, ...output.map((o) => relative(cfg.cwd, o))];
    log.info({ watch: roots, files, extensions, ignore: ignoring, debounceMs: cfg.debounceMs },
      `watching ${files} file(s) in ${shown} (${extensions.map((e) => `*.${e}`).join(' ')}); ignoring ${ignoring.join(' ')} (type rs + Enter to reload by hand)`);
  });

  // nodemon's manual restart: a line "rs" on stdin.
  const rl = process.stdin.readable ? createInterface({ input: process.stdin, terminal: false }) : null;
  rl?.on('line', (line) => {
    if (line.trim() === 'rs') { log.info('rs: reloading'); void reload('rs'); }
  });

  await holder.stopped;
  burst.cancel();
  rl?.close();
  process.stdin.unref?.();
  await watcher.close();
}
