// The one place tests start a worker the way a holder does: the sockets (opened once by the test) at fds 3..,
// LISTEN_FDS/LISTEN_FDNAMES, LISTEN_PID = the worker's own pid (set by an exec step, as holdfast-exec does),
// NOTIFY_SOCKET on a Notifier that dispatches sd_notify messages by the sender's pid. Also the one until().
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { ENV, NotifySocket, PER_PROCESS_ENV, type NotifyMessage } from '@holdfast/native';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Poll `fn` every 25 ms until it returns a truthy value, and return that value; throws after `timeoutMs` naming
 * `what` and the last value or error.
 */
export async function until<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 20_000): Promise<T> {
  const t0 = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) { last = err; }
    if (Date.now() - t0 > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    }
    await sleep(25);
  }
}

/** One NotifySocket (abstract address) per test file; messages dispatched by the sender's pid (SCM_CREDENTIALS). */
export class Notifier {
  readonly path = `@holdfast-test-${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly socket = NotifySocket.bind(this.path);
  private readonly byPid = new Map<number, (m: NotifyMessage) => void>();
  constructor() { this.socket.onMessage((m) => this.byPid.get(m.pid)?.(m)); }
  listen(pid: number, cb: (m: NotifyMessage) => void): void { this.byPid.set(pid, cb); }
  close(): void { this.socket.close(); }
}

/** A worker a test started. */
export interface TestWorker {
  child: ChildProcess;
  pid: number;
  /** Resolves on READY=1 from this pid; rejects if the worker exits first (with its stderr when piped). */
  ready: Promise<void>;
  /** `at`: Date.now() at exit (for logs; never assert on it). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** sd_notify messages from this pid, in order. */
  messages: string[];
  /** What the worker wrote so far ('' unless piped). */
  stdout(): string;
  stderr(): string;
}

export interface StartOptions {
  /** fds to pass at 3.., with their LISTEN_FDNAMES entries. */
  fds?: { fd: number; name: string }[];
  notifier?: Notifier;
  /** Added last: may override LISTEN_* to test bad input. */
  env?: Record<string, string>;
  argv?: string[];
  /** false: exec node directly, so LISTEN_PID is whatever `env` says. Default true. */
  viaShell?: boolean;
  /** Capture stdout / stderr instead of inheriting them. */
  pipe?: { stdout?: boolean; stderr?: boolean };
}

/** Workers still running; a test that fails midway must not leave them behind (they hold inherited sockets). */
const running = new Set<ChildProcess>();

/** SIGKILL every worker startWorker() started that is still running (call it in afterAll). */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** Start `script` with node as a holder would start a worker. */
export function startWorker(script: string, opts: StartOptions = {}): TestWorker {
  const fds = opts.fds ?? [];
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of PER_PROCESS_ENV) delete env[k];
  if (fds.length > 0) {
    env[ENV.LISTEN_FDS] = String(fds.length);
    env[ENV.LISTEN_FDNAMES] = fds.map((f) => f.name).join(':');
  }
  if (opts.notifier) env[ENV.NOTIFY_SOCKET] = opts.notifier.path;
  Object.assign(env, opts.env);
  const stdio = ['ignore', opts.pipe?.stdout ? 'pipe' : 'inherit', opts.pipe?.stderr ? 'pipe' : 'inherit', ...fds.map((f) => f.fd)];
  const args = [script, ...(opts.argv ?? [])];
  const child = opts.viaShell === false
    ? spawn(process.execPath, args, { stdio: stdio as never, env })
    : spawn('/bin/sh', ['-c', 'LISTEN_PID=$$ exec "$0" "$@"', process.execPath, ...args], { stdio: stdio as never, env });
  const pid = child.pid!;
  running.add(child);
  child.once('exit', () => running.delete(child));
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const messages: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() }));
  });
  const ready = new Promise<void>((resolve, reject) => {
    opts.notifier?.listen(pid, (m) => {
      const text = m.data.toString();
      messages.push(text);
      if (/^READY=1$/m.test(text)) resolve();
    });
    void exited.then((e) => reject(new Error(`worker ${pid} exited (${e.code ?? e.signal}) before READY=1${err ? `:\n${err}` : ''}`)));
  });
  ready.catch(() => undefined);
  return { child, pid, ready, exited, messages, stdout: () => out, stderr: () => err };
}

/** The last stdout line of a worker that prints JSON and exits, parsed. */
export async function jsonOf(w: TestWorker): Promise<any> {
  await w.exited;
  return JSON.parse(w.stdout().trim().split('\n').pop()!);
}
