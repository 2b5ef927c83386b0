// Starts workers the way the holder will: sockets opened once by this process (native openSocket), passed at
// fds 3.., LISTEN_PID set to the worker's own pid by an exec step, READY=1 awaited on a NotifySocket.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { NotifySocket, type NotifyMessage } from '@holdfast/native';
import { afterAll } from 'vitest';

export const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

export interface Worker {
  child: ChildProcess;
  pid: number;
  /** Resolves on READY=1 from this pid; rejects if the worker exits first. */
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  messages: string[];
  stdout: string[];
}

/** One NotifySocket per test file; messages dispatched by the sender's pid (SCM_CREDENTIALS). */
export class Notifier {
  readonly path = `@holdfast-adapter-test-${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly socket = NotifySocket.bind(this.path);
  private readonly byPid = new Map<number, (m: NotifyMessage) => void>();
  constructor() {
    this.socket.onMessage((m) => this.byPid.get(m.pid)?.(m));
  }
  listen(pid: number, cb: (m: NotifyMessage) => void): void {
    this.byPid.set(pid, cb);
  }
  close(): void {
    this.socket.close();
  }
}

/** Workers still running; a test that fails midway must not leave them behind (they hold inherited sockets). */
const live = new Set<ChildProcess>();
afterAll(() => {
  for (const c of live) c.kill('SIGKILL');
});

export function startWorker(script: string, opts: { fds?: { fd: number; name: string }[]; notifier?: Notifier; env?: Record<string, string>; viaShell?: boolean; captureStdout?: boolean } = {}): Worker {
  const fds = opts.fds ?? [];
  const env: Record<string, string | undefined> = { ...process.env, ...opts.env };
  delete env.LISTEN_FDS; delete env.LISTEN_PID; delete env.LISTEN_FDNAMES; delete env.NOTIFY_SOCKET;
  if (fds.length > 0) {
    env.LISTEN_FDS = String(fds.length);
    env.LISTEN_FDNAMES = fds.map((f) => f.name).join(':');
  }
  Object.assign(env, opts.env);
  if (opts.notifier) env.NOTIFY_SOCKET = opts.notifier.path;
  const stdio = ['ignore', opts.captureStdout ? 'pipe' : 'inherit', 'inherit', ...fds.map((f) => f.fd)] as const;
  const child = opts.viaShell === false
    ? spawn(process.execPath, [script], { stdio: stdio as never, env })
    : spawn('/bin/sh', ['-c', 'LISTEN_PID=$$ exec "$0" "$@"', process.execPath, script], { stdio: stdio as never, env });
  const pid = child.pid!;
  live.add(child);
  child.once('exit', () => live.delete(child));
  const messages: string[] = [];
  const stdout: string[] = [];
  if (opts.captureStdout) child.stdout!.setEncoding('utf8').on('data', (d: string) => stdout.push(d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() }));
  });
  const ready = new Promise<void>((resolve, reject) => {
    opts.notifier?.listen(pid, (m) => {
      const text = m.data.toString();
      messages.push(text);
      if (/^READY=1$/m.test(text)) resolve();
    });
    void exited.then((e) => reject(new Error(`worker ${pid} exited (${e.code ?? e.signal}) before READY=1`)));
  });
  ready.catch(() => undefined);
  return { child, pid, ready, exited, messages, stdout };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The stdout of a worker that prints one JSON line and exits. */
export async function jsonOf(w: Worker): Promise<any> {
  await w.exited;
  return JSON.parse(w.stdout.join('').trim().split('\n').pop()!);
}
