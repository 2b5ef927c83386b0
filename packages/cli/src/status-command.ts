import { boxTable } from './box-table.js';
import { checkExitCode, EXIT, exitCodeFor } from './exit-codes.js';
import { callControl } from './control-client.js';
import { HoldfastCliError } from './errors.js';
import { controlPathFor, type ControlFlags } from './control-target.js';

interface StatusBody {
  state: string; ready?: boolean; generation: number; restarts: number; holderPid: number; controlPath: string;
  failures?: number; maxFailures?: number;
  workers: StatusWorker[];
  sockets: { name: string; spec: string; bound: string }[];
  launch?: { command: string; args: string[]; cwd: string };
  lastSwap?: { ok: boolean; kind?: 'start' | 'reload' | 'restart'; generation: number; error?: { message: string } } | null;
  warnings?: string[];
}

interface StatusWorker {
  pid: number; generation: number; state: string; uptimeMs: number; readyMs: number | null; status: string | null; standby?: boolean;
  idlePriority?: boolean;
}

/**
 * Whether a worker serves: ready and accepting (a warm standby does not accept). Every such worker's generation gets
 * the `*`: after a crash restart with --workers 2, the surviving worker of the older generation serves beside the
 * newer one.
 */
export function isServing(w: Pick<StatusWorker, 'state' | 'standby'>): boolean {
  return w.state === 'ready' && !w.standby;
}

/** 3.2s, 4m 05s, 2h 03m, 1d 04h. */
export function formatUptime(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const pad = (n: number) => String(Math.floor(n)).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${pad((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${pad((s % 86400) / 3600)}h`;
}

/** The line under the table about the last swap that failed, named for what it was. */
export function lastSwapLine(b: StatusBody): string | null {
  const last = b.lastSwap;
  const why = last && !last.ok && last.error ? `: ${last.error.message}` : '';
  const failures = b.failures ?? 0;
  if (b.state === 'failed') return `service failed: ${failures} failed starts or crashes in a row${why}; fix it, then holdfast reload`;
  if (b.state === 'restarting' && failures > 1) {
    return `crash loop: ${failures} failed starts or crashes in a row, restarting with backoff (gives up after ${b.maxFailures ?? '?'})${why}`;
  }
  if (!last || last.ok) return null;
  if (last.kind === 'reload') return `last reload failed (generation ${last.generation}), rolled back${why}`;
  if (last.kind === 'start') return `first start failed (generation ${last.generation}), restarting${why}`;
  return `restart failed (generation ${last.generation})${why}`;
}

/** Table order: serving workers first, then starting ones, warm standbys, draining and exited ones (stable within each). */
export function tableOrder<W extends Pick<StatusWorker, 'state' | 'standby'>>(workers: readonly W[]): W[] {
  const rank = (w: W) => (isServing(w) ? 0 : w.standby ? 2 : w.state === 'starting' ? 1 : w.state === 'draining' ? 3 : 4);
  return workers.map((w, i) => ({ w, i })).sort((a, b) => rank(a.w) - rank(b.w) || a.i - b.i).map((x) => x.w);
}

/**
 * The state column: the worker's state, `(standby)` added for a warm standby (ready, accepting nothing), `(idle CPU)`
 * for one still at idle CPU priority (--idle-start: starting beside a serving worker, or a standby not yet promoted).
 */
export function stateLabel(w: Pick<StatusWorker, 'state' | 'standby' | 'idlePriority'>): string {
  const tags = [w.standby ? 'standby' : '', w.idlePriority ? 'idle CPU' : ''].filter(Boolean);
  return tags.length ? `${w.state} (${tags.join(', ')})` : w.state;
}

/**
 * `holdfast status`: a table of workers (and sockets), or the JSON body with `--json`. `--check` prints one line
 * and exits with the state's code (exit-codes.ts checkExitCode: 0 ready, 7 starting, 8 restarting, 1 failed,
 * 9 stopping, 5 no holder), for exec probes and scripts.
 */
export async function statusCommand(flags: ControlFlags & { json?: boolean; check?: boolean }): Promise<number> {
  const path = controlPathFor(flags);
  if (flags.check) {
    let b: StatusBody;
    try {
      b = (await callControl<StatusBody>(path, 'GET', '/status')).body;
    } catch (err) {
      if (!(err instanceof HoldfastCliError) || err.code !== 'ERR_HOLDFAST_CONTROL_UNREACHABLE') throw err;
      process.stdout.write(`no holder (${err.message})\n`);
      return exitCodeFor(err.code);
    }
    const ready = b.ready ?? (b.state === 'running' && b.generation > 0);
    process.stdout.write(`${b.state}${ready ? `, generation ${b.generation} serving` : ', not ready'}\n`);
    return checkExitCode(b.state, ready);
  }
  const r = await callControl<StatusBody>(path, 'GET', '/status');
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(r.body, null, 2)}\n`);
    return EXIT.OK;
  }
  const b = r.body;
  const rows: string[][] = [];
  const sockets = b.sockets.map((s) => `${s.name} ${s.bound}`).join('\n') || '-';
  if (b.workers.length === 0) rows.push([b.state, '-', '-', '-', '-', String(b.restarts), '-', sockets]);
  for (const [i, w] of tableOrder(b.workers).entries()) {
    const serving = isServing(w) ? ' *' : '';
    rows.push([i === 0 ? b.state : '', `${w.generation}${serving}`, String(w.pid), stateLabel(w), formatUptime(w.uptimeMs),
      i === 0 ? String(b.restarts) : '', w.status ?? '', i === 0 ? sockets : '']);
  }
  const lines = [boxTable(['service', 'generation', 'pid', 'state', 'uptime', 'restarts', 'status', 'sockets'], rows)];
  if (b.launch) lines.push(`command: ${[b.launch.command, ...b.launch.args].join(' ')}  (cwd ${b.launch.cwd})`);
  const last = lastSwapLine(b);
  if (last) lines.push(last);
  for (const w of b.warnings ?? []) lines.push(`warning: ${w}`);
  lines.push(`holder pid ${b.holderPid}, control ${b.controlPath}   (* = serving)`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.OK;
}

/** `holdfast metrics`: print `GET /metrics` (Prometheus text format). */
export async function metricsCommand(flags: ControlFlags): Promise<number> {
  const r = await callControl<string>(controlPathFor(flags), 'GET', '/metrics');
  process.stdout.write(typeof r.body === 'string' ? r.body : `${JSON.stringify(r.body)}\n`);
  return r.statusCode === 200 ? EXIT.OK : EXIT.FAILED;
}
