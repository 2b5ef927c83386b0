/**
 * V8 flags for the holder process only (`holdfast run`, `holdfast dev`), set before anything else is loaded.
 *
 * `--no-opt` (TurboFan off): the holder's own JavaScript runs rarely (a control request, a swap, a log line) and
 * its hot work is native (the output relay's copies, the notify socket, accept queues owned by the kernel), so
 * optimised code buys nothing measurable, while TurboFan compiling the module loader's hot loops at start-up
 * touches its code pages in the node binary (they count in RSS) and allocates its zone memory. Measured with
 * `node bench/holder-footprint.mjs --runs 5 --metrics` (docs/measurements.md): about 5 MiB less RSS idle; the
 * output relay bench (`node bench/run.mjs --only output`) shows the same holder CPU per MiB either way.
 * Ignition (the interpreter) and Sparkplug (the baseline compiler) still run everything.
 *
 * `--semi-space-growth-factor=1`: the young generation keeps its initial size (two 1 MiB semi-spaces) instead of
 * doubling up to two 8 MiB ones (V8's default growth) while modules load or a scrape of /metrics allocates. Once
 * grown, an idle holder never runs the scavenge that would shrink it, so those pages stay resident: this is the
 * effect of `--max-semi-space-size=1`, which V8 reads only when the heap is set up and therefore cannot be set
 * from here (V8 reads the growth factor at each growth). The holder allocates little, so it costs a few more
 * scavenges of 1 MiB; measured: about 2 MiB less RSS idle after a scrape.
 *
 * `--optimize-for-size`: V8's own memory-over-speed switch; at run time it mostly makes the old generation grow
 * by smaller steps (more, smaller full collections of a heap of about 10 MiB). Measured: about 1 MiB less.
 *
 * Workers are not affected: v8.setFlagsFromString changes this process's V8 only. It touches neither
 * process.execArgv nor NODE_OPTIONS, and the holder builds a worker's command line and environment from the
 * user's command and environment, never from its own execArgv, so a worker starts with node's defaults.
 */
import { setFlagsFromString } from 'node:v8';

/** The commands whose process is the long-lived holder. */
const HOLDER_COMMANDS: ReadonlySet<string> = new Set(['run', 'dev']);

/** The flags, in the syntax of `node --v8-options`. */
export const HOLDER_V8_FLAGS: readonly string[] = ['--no-opt', '--semi-space-growth-factor=1', '--optimize-for-size'];

/**
 * Apply HOLDER_V8_FLAGS when `argv` (process.argv: node, script, command, ...) starts a holder; a client command
 * (status, reload, stop, ...) keeps V8's defaults. Returns the flags applied (empty for a client command). `set` is
 * v8.setFlagsFromString (a parameter for tests).
 * Call it before importing the rest of the CLI: code compiled earlier may already have been optimised.
 */
export function applyHolderV8Flags(argv: readonly string[], set: (flag: string) => void = setFlagsFromString): readonly string[] {
  if (!HOLDER_COMMANDS.has(argv[2] ?? '')) return [];
  for (const flag of HOLDER_V8_FLAGS) set(flag);
  return HOLDER_V8_FLAGS;
}
