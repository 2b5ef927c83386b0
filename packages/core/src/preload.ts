/**
 * Running an unmodified Node app: when the command is a Node program, the holder adds the register hook of
 * @holdfast/http-adapter to the worker's NODE_OPTIONS (`--import file:///…/register.js`), so `app.listen(3000)`
 * takes the held socket instead of failing with EADDRINUSE. What counts as a Node program: `node`/`nodejs`, a
 * script whose `#!` line runs node (npm, npx, pnpm, yarn, the tsx CLI, next, a user's `#!/usr/bin/env node`
 * script), and shells (`sh -c '…'`, shell scripts) that may start one.
 *
 * Anything but `node` itself may be a wrapper that runs the real server as a descendant, whose pid is not
 * LISTEN_PID; HOLDFAST_WRAPPER=1 lets the hook in such a descendant adopt the fds when LISTEN_PID names one of its
 * ancestors (see the adapter's hook-held.ts). Supervisors that restart the app themselves (nodemon, pm2, forever)
 * are refused with the command to run instead.
 */
import { openSync, readSync, closeSync, realpathSync } from 'node:fs';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HOLDFAST_ENV } from '@holdfast/native/protocol';
import { resolveCommand } from './command.js';

/** What the holder preloads into Node workers, and the hook's switches. */
export interface PreloadOptions {
  /** Absolute path of `@holdfast/http-adapter/register` (the CLI resolves it). */
  registerPath: string;
  /** HOLDFAST_WAIT_READY=1: READY=1 when the app calls process.send('ready') (PM2's wait_ready). */
  waitReady?: boolean;
  /** HOLDFAST_STRICT=1: a listen on a port the holder does not hold fails, naming the -l to add. */
  strict?: boolean;
}

/** How the holder sees a command: Node itself, something that may start Node (a wrapper), or anything else. */
export interface CommandKind {
  kind: 'node' | 'wrapper' | 'other';
  /** Set when the command cannot work under holdfast as it is: why, and what to run instead. */
  problem?: string;
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ash', 'ksh', 'busybox']);
const NODES = new Set(['node', 'nodejs']);
/** Process managers that restart the app themselves: holdfast would supervise the manager, not the app. */
const SUPERVISORS: Record<string, string> = {
  nodemon: 'nodemon restarts the app itself, without a hand-over; run `holdfast dev -l NAME=SPEC -- node app.js` instead',
  pm2: 'pm2 moves the app into its own daemon, out of holdfast\'s reach; run `holdfast run -l NAME=SPEC -- node app.js` instead (docs/from-pm2-nodemon.md)',
  'pm2-runtime': 'pm2-runtime supervises the app itself; run `holdfast run -l NAME=SPEC -- node app.js` instead (docs/from-pm2-nodemon.md)',
  forever: 'forever restarts the app itself; run `holdfast run -l NAME=SPEC -- node app.js` instead',
};

/** The `#!` line of an executable file, or '' (first 256 bytes). */
function shebang(path: string): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(256);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf.subarray(0, n).toString('latin1');
    return text.startsWith('#!') ? text.slice(2, text.indexOf('\n') < 0 ? n : text.indexOf('\n')).trim() : '';
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Classify `command` (as the user wrote it) for the preload. Never throws: an unknown command is 'other'. */
export function commandKind(command: string, cwd: string, env: NodeJS.ProcessEnv): CommandKind {
  let resolved: string;
  try {
    resolved = resolveCommand(command, cwd, env);
  } catch {
    return { kind: 'other' };
  }
  let real = resolved;
  try { real = realpathSync(resolved); } catch { /* keep the PATH entry */ }
  const names = [basename(command), basename(resolved), basename(real).replace(/\.(c|m)?js$/, '')];
  for (const name of names) {
    const problem = SUPERVISORS[name];
    if (problem) return { kind: 'other', problem };
  }
  if (names.some((n) => NODES.has(n))) return { kind: 'node' };
  if (names.some((n) => SHELLS.has(n))) return { kind: 'wrapper' };
  const line = shebang(real);
  const words = line.split(/\s+/).map((w) => basename(w));
  if (words.some((w) => NODES.has(w) || SHELLS.has(w))) return { kind: 'wrapper' };
  return { kind: 'other' };
}

/**
 * The worker environment with the hook preloaded: NODE_OPTIONS gains `--import=<file URL of the register
 * module>` (kept once; the user's own NODE_OPTIONS stay first), plus HOLDFAST_WRAPPER, HOLDFAST_STRICT and
 * HOLDFAST_WAIT_READY as asked. Returns `env` unchanged for commands that are not Node programs.
 */
export function withPreload(env: NodeJS.ProcessEnv, kind: CommandKind, opts: PreloadOptions): NodeJS.ProcessEnv {
  if (kind.kind === 'other') return env;
  const flag = `--import=${pathToFileURL(opts.registerPath).href}`;
  const current = env.NODE_OPTIONS ?? '';
  const out: NodeJS.ProcessEnv = { ...env, NODE_OPTIONS: current.includes(flag) ? current : `${current} ${flag}`.trim() };
  if (kind.kind === 'wrapper') out[HOLDFAST_ENV.WRAPPER] = '1';
  else delete out[HOLDFAST_ENV.WRAPPER];
  if (opts.strict) out[HOLDFAST_ENV.STRICT] = '1';
  if (opts.waitReady) out[HOLDFAST_ENV.WAIT_READY] = '1';
  return out;
}
