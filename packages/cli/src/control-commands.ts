import { defaultControlPath } from '@holdfast/core';
import { callControl } from './control-client.js';
import { EXIT } from './exit-codes.js';

interface ErrorBody { code: string; message: string; hint?: string }

/** `holdfast reload`: exit 0 once the new generation is ready; 1 with the reason on rollback. */
export async function reloadCommand(flags: { control?: string }): Promise<number> {
  const path = flags.control ?? defaultControlPath();
  const t0 = performance.now();
  const r = await callControl<{ ok: boolean; generation: number; pid: number; readyMs: number; replaced: number | null; error?: ErrorBody }>(path, 'POST', '/reload');
  const ms = Math.round(performance.now() - t0);
  if (r.body.ok) {
    const old = r.body.replaced ? `; pid ${r.body.replaced} draining` : '';
    process.stdout.write(`reloaded: generation ${r.body.generation} (pid ${r.body.pid}) ready after ${Math.round(r.body.readyMs)} ms${old} [${ms} ms]\n`);
    return EXIT.OK;
  }
  const e = r.body.error;
  process.stderr.write(`reload failed, rolled back: ${e?.message ?? 'unknown error'}\n${e?.hint ? `hint: ${e.hint}\n` : ''}`);
  return EXIT.FAILED;
}

/** `holdfast status`: a short table, or the JSON body with `--json`. */
export async function statusCommand(flags: { control?: string; json?: boolean }): Promise<number> {
  const path = flags.control ?? defaultControlPath();
  const r = await callControl<{
    state: string; generation: number; restarts: number;
    workers: { pid: number; generation: number; state: string; uptimeMs: number; status: string | null }[];
    sockets: { name: string; spec: string; bound: string }[];
  }>(path, 'GET', '/status');
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(r.body, null, 2)}\n`);
    return EXIT.OK;
  }
  const b = r.body;
  const lines = [`service: ${b.state}, generation ${b.generation}, restarts ${b.restarts}`];
  for (const w of b.workers) {
    lines.push(`  gen ${w.generation}  pid ${w.pid}  ${w.state.padEnd(8)}  up ${(w.uptimeMs / 1000).toFixed(1)}s${w.status ? `  "${w.status}"` : ''}`);
  }
  for (const s of b.sockets) lines.push(`  socket ${s.name}: ${s.bound}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.OK;
}

/** `holdfast stop`: ask the holder to drain every worker and exit. */
export async function stopCommand(flags: { control?: string }): Promise<number> {
  const path = flags.control ?? defaultControlPath();
  await callControl(path, 'POST', '/stop');
  process.stdout.write('stopping\n');
  return EXIT.OK;
}
