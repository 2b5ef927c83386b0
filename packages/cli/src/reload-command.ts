import { resolve } from 'node:path';
import { parseEnvAssignment } from '@holdfast/core/client';
import { HolderGoneError, streamControl } from './control-client.js';
import { controlPathFor, type ControlFlags } from './control-target.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { CutTally, drainLine } from './progress-lines.js';

interface ErrorBody { code: string; message: string; hint?: string; diagnosis?: { cause: string; stderr: string[] } }

/** The failed worker's last stderr lines, indented under the message (nothing when there are none). */
function stderrBlock(lines: string[] | undefined): string {
  if (!lines || lines.length === 0) return '';
  return `\nlast lines of its stderr:\n${lines.map((l) => `  | ${l}`).join('\n')}`;
}

/** `holdfast reload` flags. `env`: KEY=VALUE strings; `envFile`: paths (resolved from the current directory). */
export interface ReloadFlags extends ControlFlags { cwd?: string; json?: boolean; env?: string[]; envFile?: string[] }

/**
 * `holdfast reload [--cwd DIR] [-- CMD ARGS...]`: prints each step as it happens from `POST /reload?progress=1`
 * (spawned pid, ready after N ms, each replaced pid drained after N ms or killed at the drain deadline with the
 * connections cut). Exit 0 once every replaced worker finished on its own; 1 when connections were cut, on
 * rollback (with the reason), or when the holder stopped or died mid-reload (one line saying which); the other
 * documented codes as for any command (4 for a deploy whose command does not exist).
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
  const err = (line: string) => process.stderr.write(`${line}\n`);
  const cut = new CutTally();
  let result: Record<string, unknown> | null = null;
  try {
    await streamControl(path, '/reload?progress=1', body, (e) => {
      if (flags.json) out(JSON.stringify(e));
      switch (e.event) {
        case 'spawned':
          if (!flags.json) out(`generation ${e.generation}: spawned pid ${e.pid}`);
          break;
        case 'ready': {
          const old = (e.replacedPids as number[] | undefined) ?? [];
          if (!flags.json) out(`generation ${e.generation}: pid ${(e.pids as number[]).join(', ')} ready after ${e.readyMs} ms${old.length ? `; draining pid ${old.join(', ')}` : ''}`);
          break;
        }
        case 'drained':
        case 'cut':
          cut.add(e as never);
          if (!flags.json) out(drainLine(e as never));
          break;
        case 'result':
          result = e;
          break;
      }
    });
  } catch (error) {
    if (!(error instanceof HolderGoneError)) throw error;
    err(`reload interrupted: the holder on ${path} went away mid-reload (${error.reason}); it was killed or crashed, so nothing holds the sockets now`);
    return EXIT.FAILED;
  }
  const r = result as (Record<string, unknown> & { ok?: boolean; generation?: number; pids?: number[]; pid?: number; error?: ErrorBody }) | null;
  if (r?.ok) {
    const pids = r.pids && r.pids.length > 0 ? r.pids : [r.pid];
    if (!flags.json) out(`reloaded: generation ${r.generation} (pid ${pids.join(', ')}) serving [${since()} ms]`);
    const linger = cut.lingerNote('reload');
    if (linger) err(linger);
    if (!cut.any) return EXIT.OK;
    err(`reload done, but ${cut.describe()}; give the old generation more time (--drain-timeout) or make it finish sooner`);
    return EXIT.FAILED;
  }
  const e = r?.error;
  const hint = e?.hint ? `\nhint: ${e.hint}` : '';
  // refused (or, from an older holder, no generation in the result): turned down before anything started, so
  // nothing was interrupted and nothing rolled back.
  const refused = r?.refused === true || (e?.code !== 'ERR_HOLDFAST_STOPPING' && typeof r?.generation !== 'number');
  if (refused) {
    const serving = r?.serving === false ? 'and no generation is serving' : 'the serving generation keeps serving';
    err(`reload refused: ${e?.message ?? 'no result from the holder'}; nothing changed, ${serving}${hint}`);
    return exitCodeFor(e?.code);
  }
  if (e?.code === 'ERR_HOLDFAST_STOPPING') {
    err(`reload interrupted: ${e.message}`);
    return EXIT.FAILED;
  }
  const what = r?.rolledBack === false ? 'reload failed, and no generation is serving (a crash restart is under way), so nothing was rolled back' : 'reload failed, rolled back';
  err(`${what}: ${e?.message ?? 'no result from the holder'}${stderrBlock(e?.diagnosis?.stderr)}${hint}`);
  // The documented exit codes hold for reload too (4 for a deploy whose command does not exist); a rollback is 1.
  return exitCodeFor(e?.code);
}

