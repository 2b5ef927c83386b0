import { resolve } from 'node:path';
import Table from 'cli-table3';
import { defaultControlPath, HOLDFAST_ENV, parseEnvAssignment } from '@holdfast/core';
import { HoldfastCliError } from './errors.js';
import { loadConfigFile } from './config.js';
import { callControl, streamControl } from './control-client.js';
import { checkExitCode, EXIT, exitCodeFor } from './exit-codes.js';

interface ErrorBody { code: string; message: string; hint?: string }

/** Flags every control command takes. */
export interface ControlFlags { control?: string; config?: string }

/**
 * The control socket a command talks to: --control, else $HOLDFAST_CONTROL, else the config file's "control",
 * else the per-directory default (the same rule `run` and `dev` use, so they find each other).
 */
export function controlPathFor(flags: ControlFlags, cwd = process.cwd()): string {
  if (flags.control) return defaultControlPath(cwd, { ...process.env, [HOLDFAST_ENV.CONTROL]: flags.control });
  if (process.env[HOLDFAST_ENV.CONTROL]) return defaultControlPath(cwd);
  return loadConfigFile(cwd, flags.config)?.config.control ?? defaultControlPath(cwd);
}

/** `holdfast reload` flags. `env`: KEY=VALUE strings; `envFile`: paths (resolved from the current directory). */
export interface ReloadFlags extends ControlFlags { cwd?: string; json?: boolean; env?: string[]; envFile?: string[] }

/**
 * `holdfast reload [--cwd DIR] [-- CMD ARGS...]`: prints progress as it happens (spawned, ready after N ms, old
 * drained after N ms) from `POST /reload?progress=1`; exit 0 once the old generation has drained, 1 with the
 * reason on rollback. `--cwd`/CMD deploy another directory or command, kept only if it gets ready.
 */
export async function reloadCommand(flags: ReloadFlags, command: string[] = []): Promise<number> {
  const path = controlPathFor(flags);
  const body: { cwd?: string; command?: string[]; env?: Record<string, string>; envFiles?: string[] } = {};
  if (flags.cwd !== undefined) body.cwd = resolve(flags.cwd);
  if (command.length > 0) body.command = command;
  if (flags.env?.length) body.env = Object.fromEntries(flags.env.map((e) => parseEnvAssignment(e)));
  if (flags.envFile?.length) body.envFiles = flags.envFile.map((f) => resolve(f));
  const t0 = performance.now();
  const since = () => Math.round(performance.now() - t0);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  let result: Record<string, unknown> | null = null;
  await streamControl(path, '/reload?progress=1', body, (e) => {
    if (flags.json) out(JSON.stringify(e));
    switch (e.event) {
      case 'spawned':
        if (!flags.json) out(`generation ${e.generation}: spawned pid ${e.pid}`);
        break;
      case 'ready':
        if (!flags.json) {
          const old = (e.replacedPids as number[] | undefined) ?? [];
          out(`generation ${e.generation}: ready after ${e.readyMs} ms${old.length ? `; draining pid ${old.join(', ')}` : ''}`);
        }
        break;
      case 'drained':
        if (!flags.json) out(`generation ${e.generation}: pid ${e.pid} drained after ${e.drainMs} ms`);
        break;
      case 'result':
        result = e;
        break;
    }
  });
  const r = result as (Record<string, unknown> & { ok?: boolean; generation?: number; pid?: number; error?: ErrorBody }) | null;
  if (r?.ok) {
    if (!flags.json) out(`reloaded: generation ${r.generation} (pid ${r.pid}) serving [${since()} ms]`);
    return EXIT.OK;
  }
  const e = r?.error;
  process.stderr.write(`reload failed, rolled back: ${e?.message ?? 'no result from the holder'}\n${e?.hint ? `hint: ${e.hint}\n` : ''}`);
  // The documented exit codes hold for reload too (4 for a deploy whose command does not exist); a rollback is 1.
  return exitCodeFor(e?.code);
}

interface StatusBody {
  state: string; ready?: boolean; generation: number; restarts: number; holderPid: number; controlPath: string;
  workers: { pid: number; generation: number; state: string; uptimeMs: number; readyMs: number | null; status: string | null }[];
  sockets: { name: string; spec: string; bound: string }[];
  launch?: { command: string; args: string[]; cwd: string };
  lastSwap?: { ok: boolean; generation: number; error?: { message: string } } | null;
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
  const style = process.stdout.isTTY ? {} : { head: [], border: [] };
  const workers = new Table({ head: ['service', 'generation', 'pid', 'state', 'uptime', 'restarts', 'status', 'sockets'], style });
  const sockets = b.sockets.map((s) => `${s.name} ${s.bound}`).join('\n') || '-';
  if (b.workers.length === 0) workers.push([b.state, '-', '-', '-', '-', String(b.restarts), '-', sockets]);
  for (const [i, w] of b.workers.entries()) {
    const serving = w.generation === b.generation ? ' *' : '';
    workers.push([i === 0 ? b.state : '', `${w.generation}${serving}`, String(w.pid), w.state, formatUptime(w.uptimeMs),
      i === 0 ? String(b.restarts) : '', w.status ?? '', i === 0 ? sockets : '']);
  }
  const lines = [workers.toString()];
  if (b.launch) lines.push(`command: ${[b.launch.command, ...b.launch.args].join(' ')}  (cwd ${b.launch.cwd})`);
  if (b.lastSwap && !b.lastSwap.ok) lines.push(`last reload failed (generation ${b.lastSwap.generation}): ${b.lastSwap.error?.message ?? ''}`);
  lines.push(`holder pid ${b.holderPid}, control ${b.controlPath}   (* = serving generation)`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.OK;
}

/** `holdfast stop`: ask the holder to drain every worker and exit. */
export async function stopCommand(flags: ControlFlags): Promise<number> {
  const path = controlPathFor(flags);
  await callControl(path, 'POST', '/stop');
  process.stdout.write('stopping\n');
  return EXIT.OK;
}

/** `holdfast metrics`: print `GET /metrics` (Prometheus text format). */
export async function metricsCommand(flags: ControlFlags): Promise<number> {
  const r = await callControl<string>(controlPathFor(flags), 'GET', '/metrics');
  process.stdout.write(typeof r.body === 'string' ? r.body : `${JSON.stringify(r.body)}\n`);
  return r.statusCode === 200 ? EXIT.OK : EXIT.FAILED;
}
