/**
 * The register hook's signal order: on SIGTERM (and SIGINT, and the holder's --kill-signal) the adapter's drain runs first, then the app's own
 * handlers. Many apps call process.exit() in their SIGTERM handler, and Next.js calls server.close(): run first,
 * those cut the requests in flight. So the app's SIGTERM/SIGINT listeners are kept aside when it registers them
 * and called, in order, once the drain is over; an app with none exits 0 as serve() does.
 *
 * Listeners this package registers itself (drain.ts) are real process listeners, recognised by the file that
 * registers them.
 */
import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drain, drainSignals, isDraining } from './drain.js';
import { holderIsGone } from './holder-guard.js';

type Signal = NodeJS.Signals;
type Listener = (...args: unknown[]) => void;
interface Kept { fn: Listener; once: boolean }

/** SIGTERM, SIGINT, and the holder's --kill-signal (HOLDFAST_KILL_SIGNAL) when it names another. */
const SIGNALS: readonly Signal[] = [...new Set<Signal>(['SIGTERM', 'SIGINT', ...drainSignals()])];
/**
 * The directories this package's code runs from: its src/ (tests, and stack frames that a source map maps back with
 * --enable-source-maps) and its dist/ (tsc's files and the bundle in dist/bundle/). Found from the package root, the
 * nearest directory above this file with a package.json, so that it holds for each of them.
 */
const OWN_DIRS = ((): string[] => {
  const here = dirname(fileURLToPath(import.meta.url));
  let root = here;
  while (!existsSync(join(root, 'package.json')) && dirname(root) !== root) root = dirname(root);
  if (!existsSync(join(root, 'package.json'))) return [here + sep];
  return [join(root, 'src') + sep, join(root, 'dist') + sep];
})();
const kept = Object.fromEntries(SIGNALS.map((s) => [s, [] as Kept[]])) as Record<Signal, Kept[]>;
const armed = Object.fromEntries(SIGNALS.map((s) => [s, false])) as Record<Signal, boolean>;
let draining = false;
let drained = false;
let owned = (): boolean => false;

const isSignal = (event: unknown): event is Signal => SIGNALS.includes(event as Signal);

/** Whether the caller of the function that calls this one is code of this package (drain.ts, net-drain.ts). */
export function fromThisPackage(): boolean {
  const stack = new Error().stack?.split('\n') ?? [];
  const caller = stack[3] ?? '';
  return OWN_DIRS.some((dir) => caller.includes(dir));
}

function runKept(signal: Signal): number {
  const list = kept[signal].slice();
  kept[signal] = kept[signal].filter((k) => !k.once);
  for (const k of list) k.fn.call(process, signal);
  return list.length;
}

function onSignal(signal: Signal): void {
  if (draining) return; // a second signal: drain.ts's own SIGTERM handler cuts what is left
  if (!owned() && !isDraining()) {
    // Nothing of ours to drain: the app's handlers, as without the hook; none left means the default action.
    if (runKept(signal) === 0) exitBy(signal);
    return;
  }
  draining = true;
  // Next tick: drain.ts's own SIGTERM listener, later in this same emit, must see the drain as not started yet
  // (a SIGTERM that arrives while a drain runs is its "second SIGTERM: cut what is left").
  void new Promise((resolve) => process.nextTick(resolve)).then(drain).then(
    () => {
      drained = true;
      if (runKept(signal) > 0) return; // the app's handlers decide when to exit
      if (holderIsGone()) process.kill(0, 'SIGKILL');
      process.exit(0);
    },
    (error: unknown) => {
      console.error(JSON.stringify({ holdfast: 'drain-failed', error: String((error as Error)?.stack ?? error) }));
      process.exit(1);
    },
  );
}

function exitBy(signal: Signal): void {
  for (const s of SIGNALS) if (armed[s]) process.removeListener(s, listeners[s]);
  process.kill(process.pid, signal);
}

const listeners = Object.fromEntries(SIGNALS.map((s) => [s, () => onSignal(s)])) as Record<Signal, () => void>;

/** Install our own listener for `signal` (idempotent). */
function armSignal(signal: Signal): void {
  if (armed[signal]) return;
  armed[signal] = true;
  process.on(signal, listeners[signal]);
}

/** Once the hook serves something: every drain signal drains first, even when the app registered no handler. */
export function armSignals(): void {
  for (const s of SIGNALS) armSignal(s);
}

/** After the drain: nothing of ours is left open (server.close() of the app completes at once). */
export function drainFinished(): boolean {
  return drained;
}

/**
 * Keep the app's SIGTERM/SIGINT listeners aside (process.on/addListener/once/prepend*, off/removeListener,
 * listeners/listenerCount see them). `claimed()` says whether the hook serves anything: only then does a signal
 * drain before the app's handlers run.
 */
export function deferAppSignalHandlers(claimed: () => boolean): void {
  owned = claimed;
  const p = process as unknown as Record<string, (...a: unknown[]) => unknown>;
  const wrapAdd = (method: string, once: boolean, prepend: boolean): void => {
    const original = p[method]!;
    p[method] = function (this: unknown, event: unknown, fn: unknown, ...rest: unknown[]) {
      if (!isSignal(event) || typeof fn !== 'function' || fn === listeners[event] || fromThisPackage()) return original.call(this, event, fn, ...rest);
      if (prepend) kept[event].unshift({ fn: fn as Listener, once });
      else kept[event].push({ fn: fn as Listener, once });
      armSignal(event);
      return process;
    };
  };
  wrapAdd('on', false, false);
  wrapAdd('addListener', false, false);
  wrapAdd('once', true, false);
  wrapAdd('prependListener', false, true);
  wrapAdd('prependOnceListener', true, true);
  for (const method of ['off', 'removeListener']) {
    const original = p[method]!;
    p[method] = function (this: unknown, event: unknown, fn: unknown, ...rest: unknown[]) {
      if (isSignal(event)) {
        const i = kept[event].findIndex((k) => k.fn === fn);
        if (i >= 0) { kept[event].splice(i, 1); return process; }
      }
      return original.call(this, event, fn, ...rest);
    };
  }
  const listenersOf = p.listeners!;
  p.listeners = function (this: unknown, event: unknown) {
    const real = listenersOf.call(this, event) as Listener[];
    return isSignal(event) ? [...real.filter((l) => l !== listeners[event]), ...kept[event].map((k) => k.fn)] : real;
  };
  const countOf = p.listenerCount!;
  p.listenerCount = function (this: unknown, event: unknown, ...rest: unknown[]) {
    const n = countOf.call(this, event, ...rest) as number;
    return isSignal(event) ? n - (armed[event] ? 1 : 0) + kept[event].length : n;
  };
}
