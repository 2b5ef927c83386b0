/**
 * Pacing of the connection hand-over (http-drain.ts): instead of moving every keep-alive connection to the new
 * generation at once, the draining worker moves HANDOVER_RAMP_FIRST, then twice as many every `stepMs`, and keeps
 * serving the others meanwhile. The new worker, which served nothing during the settle period (a keep-alive pool
 * opens no new connections), then compiles its request path on a few connections instead of meeting a request on
 * every connection at once with cold code. Nothing is closed or refused either way: a connection waiting its
 * turn is served here as before the drain.
 */
import { HOLDFAST_ENV } from './native.js';
import { HoldfastAdapterError } from './errors.js';

/** Connections moved in the first step of the ramp. */
export const HANDOVER_RAMP_FIRST = 1;
/**
 * Default time between doublings of the ramp, ms: 0, every connection at once. Pacing (50 ms: 1, 2, 4 ... 64
 * connections within ~300 ms) lowered the cold phase's p99 with some clients and not measurably with others, and it
 * widens the window in which a successor that is itself being replaced refuses a batch (the rest then drains here,
 * with `Connection: close`), so it is opt-in (docs/adapters.md).
 */
export const HANDOVER_RAMP_STEP_MS = 0;
/** Allowance past which the ramp stops pacing (every connection may go). */
const RAMP_OPEN = 1 << 16;

/**
 * The ramp's step from `HOLDFAST_HANDOVER_RAMP_MS` (ms, whole number; 0 = move every connection at once), else
 * HANDOVER_RAMP_STEP_MS (0).
 * @throws HoldfastAdapterError ERR_HOLDFAST_INVALID_OPTION for a value that is not a whole number 0..10000.
 */
export function rampStepFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[HOLDFAST_ENV.HANDOVER_RAMP_MS];
  if (text === undefined || text === '') return HANDOVER_RAMP_STEP_MS;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 10_000) {
    throw new HoldfastAdapterError('ERR_HOLDFAST_INVALID_OPTION', `${HOLDFAST_ENV.HANDOVER_RAMP_MS} is ${JSON.stringify(text)}; expected a whole number of ms from 0 (no pacing) to 10000`);
  }
  return n;
}

export class HandoverRamp {
  private allowance: number;
  private taken = 0;
  private timer: NodeJS.Timeout | undefined;

  /** `onStep`: called after each doubling (offer the connections that may go now). */
  constructor(stepMs: number, private readonly onStep: () => void) {
    this.allowance = stepMs === 0 ? Infinity : HANDOVER_RAMP_FIRST;
    if (stepMs > 0) {
      this.timer = setInterval(() => {
        this.allowance *= 2;
        if (this.allowance >= RAMP_OPEN) this.stop();
        this.onStep();
      }, stepMs);
    }
  }

  /** May one more connection go now? Counts it if so. */
  take(): boolean {
    if (this.taken >= this.allowance) return false;
    this.taken++;
    return true;
  }

  /** Stop pacing (the drain ended or switched to closing connections here). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.allowance = Infinity;
  }
}
