/**
 * The drain coordinator: one process-level handler for the drain signals (installed by the first serve()): SIGTERM,
 * and the holder's `--kill-signal` when it names another (HOLDFAST_KILL_SIGNAL, e.g. SIGINT); every served
 * target drained in parallel, fastify apps closed after their connections are gone, then exit 0.
 * A second SIGTERM, or each target's drainTimeout, destroys what is left; what was cut is logged.
 */
import { constants } from 'node:os';
import { stopWatchdog } from './watchdog.js';
import { armHolderGuard, holderIsGone, holderPid } from './holder-guard.js';
import { notifyQuietly } from './notify.js';
import { HOLDFAST_ENV, HOLDFAST_NOTIFY } from './native.js';
import type { DrainHook, DrainReport, Drainable, TargetReport } from './drain-types.js';

interface Registered {
  target: Drainable;
  drainTimeout: number;
  onDrain: DrainHook | undefined;
}

const registered: Registered[] = [];
const force = new AbortController();
let running: Promise<DrainReport> | undefined;
let installed = false;
let exitOnDrain = true;

/** Add a served target; the first call installs the SIGTERM handler. `exit: false` keeps the process alive after a signalled drain. */
export function register(target: Drainable, options: { drainTimeout: number; onDrain?: DrainHook; exitOnDrain?: boolean }): void {
  registered.push({ target, drainTimeout: options.drainTimeout, onDrain: options.onDrain });
  armHolderGuard(options.drainTimeout);
  if (options.exitOnDrain === false) exitOnDrain = false;
  if (!installed) {
    installed = true;
    for (const sig of drainSignals()) process.on(sig, onSigterm);
    // The holder died before anything was served (its PR_SET_PDEATHSIG SIGTERM came and went): drain now, as
    // that SIGTERM would have; the holder guard's deadline still bounds it.
    if (holderIsGone()) process.nextTick(onSigterm);
  }
}

/**
 * The signals that start a drain: always SIGTERM (systemd's KillSignal= default, and the PR_SET_PDEATHSIG signal
 * when the holder dies), plus the holder's `--kill-signal` from HOLDFAST_KILL_SIGNAL when it names another
 * catchable signal (a bad value is reported and ignored).
 */
export function drainSignals(env: NodeJS.ProcessEnv = process.env): NodeJS.Signals[] {
  const sig = env[HOLDFAST_ENV.KILL_SIGNAL];
  if (!sig || sig === 'SIGTERM') return ['SIGTERM'];
  if (!(sig in constants.signals) || sig === 'SIGKILL' || sig === 'SIGSTOP') {
    console.error(JSON.stringify({ holdfast: 'bad-kill-signal', [HOLDFAST_ENV.KILL_SIGNAL]: sig, using: 'SIGTERM' }));
    return ['SIGTERM'];
  }
  return ['SIGTERM', sig as NodeJS.Signals];
}

function onSigterm(): void {
  if (running) {
    // Under a holder a repeated signal is not a user asking to hurry: a dying holder's PR_SET_PDEATHSIG arrives
    // once per holder thread that exits (prctl(2): the signal follows the parent *thread*), so a SIGKILLed holder
    // sends two or more SIGTERMs within milliseconds. The holder's SIGKILL at --drain-timeout, or the holder
    // guard's once it is gone, bounds this drain instead.
    if (holderPid() !== 0) return;
    // Second SIGTERM: stop waiting, destroy what is left.
    force.abort();
    return;
  }
  void start('signal').then(
    () => {
      if (exitOnDrain) {
        // The holder died (PR_SET_PDEATHSIG's SIGTERM): end the children left in our process group with us.
        if (holderIsGone()) process.kill(0, 'SIGKILL');
        process.exit(0);
      }
    },
    (error: unknown) => {
      console.error(JSON.stringify({ holdfast: 'drain-failed', error: String((error as Error)?.stack ?? error) }));
      if (exitOnDrain) process.exit(1);
    },
  );
}

async function drainOne(r: Registered): Promise<TargetReport> {
  const controller = new AbortController();
  const deadline = Date.now() + r.drainTimeout;
  const timer = setTimeout(() => controller.abort(), r.drainTimeout);
  timer.unref();
  const onForce = (): void => controller.abort();
  force.signal.addEventListener('abort', onForce, { once: true });
  if (force.signal.aborted) controller.abort();
  try {
    return await r.target.drain(controller.signal, deadline, r.onDrain);
  } finally {
    clearTimeout(timer);
    force.signal.removeEventListener('abort', onForce);
  }
}

async function start(reason: DrainReport['reason']): Promise<DrainReport> {
  if (running) return running;
  running = (async () => {
    const started = Date.now();
    notifyQuietly('STOPPING=1');
    stopWatchdog();
    const targets = await Promise.all(registered.map(drainOne));
    // Only now: fastify's onClose hooks (and its return503OnClosing) run when no client can see them.
    await Promise.all(registered.map(async (r) => {
      try {
        await r.target.close?.();
      } catch (error) {
        console.error(JSON.stringify({ holdfast: 'close-failed', name: r.target.name, error: String((error as Error)?.message ?? error) }));
      }
    }));
    const cut = targets.reduce((sum, t) => ({ connections: sum.connections + t.cut.connections, requests: sum.requests + t.cut.requests }), { connections: 0, requests: 0 });
    const report: DrainReport = { reason, durationMs: Date.now() - started, targets, cut };
    // Tell the holder the drain is over and what its deadline cut (0 when nothing), before exiting: its progress
    // says "cut", not "drained", when something was; and a process that stays alive after this (an app SIGTERM
    // handler that does not exit, a timer) is reported as such at the holder's deadline, not as a cut
    // (HOLDFAST_NOTIFY, custom sd_notify(3) fields; core's worker.ts reads them).
    notifyQuietly(`${HOLDFAST_NOTIFY.CUT_CONNECTIONS}=${cut.connections}\n${HOLDFAST_NOTIFY.CUT_REQUESTS}=${cut.requests}`);
    if (targets.some((t) => t.forced)) {
      console.error(JSON.stringify({ holdfast: 'drain-cut', pid: process.pid, durationMs: report.durationMs, cut, targets: targets.filter((t) => t.forced).map((t) => ({ name: t.name, kind: t.kind, cut: t.cut })) }));
    }
    return report;
  })();
  return running;
}

/**
 * Drain every served target now, as SIGTERM does (sends STOPPING=1, sd_notify(3)), but without exiting:
 * stop accepting/reading, finish in-flight work, answer later HTTP requests with `Connection: close`,
 * wait until the last connection is gone (each target's `drainTimeout`, ms, is the hard deadline), then
 * close fastify apps. Idempotent: later calls (and SIGTERM) share the same drain.
 *
 * @returns the per-target report (durations in ms, counts of connections/requests, what was cut).
 */
export function drain(): Promise<DrainReport> {
  return start('call');
}

/** Whether a drain has started (SIGTERM or drain()). */
export function isDraining(): boolean {
  return running !== undefined;
}
