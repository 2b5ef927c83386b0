import { afterEach } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callControl } from '@holdfast/cli';
import { sleep } from './worker.js';

export { sleep, until } from './worker.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const HOLDFAST_BIN = join(ROOT, 'packages/cli/bin/holdfast.js');
export const fixture = (name: string) => join(ROOT, 'test/fixtures', name);
export const example = (name: string) => join(ROOT, 'examples', name, 'server.mjs');

export interface StatusBody {
  state: string;
  generation: number;
  workers: { pid: number; generation: number; state: string; mainPid?: number | null }[];
  sockets: { name: string; spec: string; bound: string }[];
  holderPid: number;
  swap: { running: boolean; queued: boolean };
  ready?: boolean;
  /** --health's bound address, e.g. tcp://127.0.0.1:41234. */
  health?: string | null;
  env?: { generation: number; files: string[]; keys: string[] }[];
}

/** A real `holdfast run` process, with its control socket in a fresh temp dir. */
export class HolderProcess {
  readonly proc: ChildProcess;
  readonly control: string;
  readonly dir: string;
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /** `opts.wrap`: a command the holder runs under (e.g. setpriv with a smaller capability set). */
  constructor(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; control?: string; wrap?: string[] } = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'holdfast-e2e-'));
    this.control = opts.control ?? join(this.dir, 'control.sock');
    const [before, after] = splitAtDashDash(args);
    const argv = [HOLDFAST_BIN, 'run', '--control', this.control, ...before, '--', ...after];
    const [cmd, ...cmdArgs] = opts.wrap ? [...opts.wrap, process.execPath, ...argv] : [process.execPath, ...argv];
    this.proc = spawn(cmd, cmdArgs, {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, HOLDFAST_LOG_FORMAT: 'json', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc.stdout!.on('data', (d) => { this.output += d; });
    this.proc.stderr!.on('data', (d) => { this.output += d; });
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve({ code, signal })));
  }

  status(): Promise<StatusBody> {
    return callControl<StatusBody>(this.control, 'GET', '/status').then((r) => r.body);
  }

  /** Wait until a generation >= `gen` is ready and serving. */
  async waitReady(gen = 1, timeoutMs = 15_000): Promise<StatusBody> {
    const t0 = Date.now();
    let last: unknown;
    while (Date.now() - t0 < timeoutMs) {
      try {
        const s = await this.status();
        if (s.generation >= gen && s.workers.some((w) => w.generation === s.generation && w.state === 'ready')) return s;
        last = s;
      } catch (err) { last = err; }
      if (this.proc.exitCode !== null) throw new Error(`holder exited ${this.proc.exitCode}:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`not ready after ${timeoutMs} ms: ${JSON.stringify(last)}\n${this.output}`);
  }

  /** The bound address of socket `name`, e.g. 'tcp://127.0.0.1:41234' → { host, port }. */
  async address(name: string): Promise<{ host: string; port: number }> {
    const s = await this.status();
    const b = s.sockets.find((x) => x.name === name)!.bound;
    const m = /^\w+:\/\/\[?([^\]]+?)\]?:(\d+)$/.exec(b)!;
    return { host: m[1], port: Number(m[2]) };
  }

  /** Run `holdfast reload` as a separate process; resolves with its exit code and output. */
  reloadCli(): Promise<{ code: number | null; out: string }> {
    return runCli(['reload', '--control', this.control]);
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(t);
  }
}

function splitAtDashDash(args: string[]): [string[], string[]] {
  const i = args.indexOf('--');
  return i < 0 ? [args, []] : [args.slice(0, i), args.slice(i + 1)];
}

/** Run the holdfast CLI once; resolves with exit code and combined output. */
/**
 * A holder factory for a test file: every holder it starts is stopped after each test (it registers that afterEach
 * itself, so call it at the file's top level). `start(args, env)` runs `holdfast run ARGS` with `env` added.
 */
export function holdersStoppedAfterEach(): (args: string[], env?: NodeJS.ProcessEnv) => HolderProcess {
  const holders: HolderProcess[] = [];
  afterEach(async () => { await Promise.all(holders.splice(0).map((h) => h.stop())); });
  return (args, env = {}) => {
    const h = new HolderProcess(args, { env });
    holders.push(h);
    return h;
  };
}

export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [HOLDFAST_BIN, ...args], { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.once('exit', (code) => resolve({ code, out }));
  });
}

/** Is `pid` alive? */
export function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}


/** POST /reload with a launch body (another command or cwd); resolves with status code and body. */
export async function reloadWith(h: HolderProcess, launch: { command?: string[]; cwd?: string } = {}) {
  return callControl<{ ok: boolean; generation: number; error?: { code: string; message: string } }>(h.control, 'POST', '/reload', launch);
}

/** Fields of /proc/<path>/stat from field 3 (state) on (proc(5)), or null when it is gone: [0] state, [1] ppid, [2] pgrp, [3] session, [4] tty_nr, [38] policy. */
export function procStatFields(path: string | number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${path}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** Live (not zombie) pids whose /proc entry satisfies `test`. */
function livePids(test: (pid: number, fields: string[]) => boolean): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const fields = procStatFields(d);
    try {
      if (fields && fields[0] !== 'Z' && test(Number(d), fields)) out.push(Number(d));
    } catch { /* gone */ }
  }
  return out;
}

/** pids whose parent is `pid` (from /proc). */
export function childrenOf(pid: number): number[] {
  return livePids((_, f) => Number(f[1]) === pid);
}

/** pids whose command line has `marker` as one of its arguments (from /proc). */
export function withMarker(marker: string): number[] {
  return livePids((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(marker));
}

