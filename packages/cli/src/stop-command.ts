import { readFileSync } from 'node:fs';
import { callControl, HolderGoneError, streamControl } from './control-client.js';
import { controlPathFor, type ControlFlags } from './control-target.js';
import { EXIT } from './exit-codes.js';
import { CutTally, drainLine } from './progress-lines.js';

/** `holdfast stop` flags: `wait` is false with --no-wait. */
export interface StopFlags extends ControlFlags { wait?: boolean; json?: boolean }

/** Poll interval while waiting for the holder process to be gone, ms. */
const EXIT_POLL_MS = 20;
/** How long the holder may take to exit after it said "stopped" (its sockets are already closed), ms. */
const EXIT_GRACE_MS = 10_000;

/** Is `pid` running? A zombie (exited, not yet reaped by its parent) holds no socket: it counts as gone. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function gone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, EXIT_POLL_MS));
  }
  return true;
}

/**
 * `holdfast stop`: the holder drains every worker (SIGKILL at the drain deadline) and exits. Prints each worker
 * as it ends and returns once the holder process is gone, so `holdfast stop && holdfast run` on the same port
 * works. Exit 0 when every worker finished on its own, 1 when connections were cut at the drain deadline or the
 * holder outlived its stop. `--no-wait` returns as soon as the holder has begun stopping.
 */
export async function stopCommand(flags: StopFlags): Promise<number> {
  const path = controlPathFor(flags);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (flags.wait === false) {
    await callControl(path, 'POST', '/stop');
    out('stopping (not waiting)');
    return EXIT.OK;
  }
  const t0 = performance.now();
  let holderPid = 0;
  let stopped = false;
  const cut = new CutTally();
  try {
    await streamControl(path, '/stop?progress=1', {}, (e) => {
      if (flags.json) out(JSON.stringify(e));
      if (e.event === 'stopping') {
        holderPid = e.holderPid as number;
        const workers = (e.workers as { pid: number }[]).map((w) => w.pid);
        if (!flags.json) out(`holder pid ${holderPid}: stopping${workers.length ? `, draining pid ${workers.join(', ')}` : ''}`);
      } else if (e.event === 'drained' || e.event === 'cut') {
        cut.add(e as never);
        if (!flags.json) out(drainLine(e as never));
      } else if (e.event === 'stopped') {
        stopped = true;
      }
    });
  } catch (err) {
    // The holder closes its control API as it exits: what matters is whether its process is gone.
    if (!(err instanceof HolderGoneError) || holderPid === 0) throw err;
  }
  if (holderPid === 0) {
    process.stderr.write('holdfast: the holder did not report its stop (an older holdfast?); not waiting\n');
    return EXIT.FAILED;
  }
  if (!(await gone(holderPid, stopped ? EXIT_GRACE_MS : EXIT_GRACE_MS * 3))) {
    process.stderr.write(`holdfast: holder pid ${holderPid} is still running ${Math.round(performance.now() - t0)} ms after the stop\n`);
    return EXIT.FAILED;
  }
  if (!flags.json) out(`stopped: holder pid ${holderPid} exited, sockets closed [${Math.round(performance.now() - t0)} ms]`);
  const linger = cut.lingerNote('stop');
  if (linger) process.stderr.write(`${linger}\n`);
  if (!cut.any) return EXIT.OK;
  process.stderr.write(`stopped, but ${cut.describe()}; give the workers more time (--drain-timeout) or make them finish sooner\n`);
  return EXIT.FAILED;
}
