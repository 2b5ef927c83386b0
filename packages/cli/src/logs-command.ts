import { streamControl, HolderGoneError } from './control-client.js';
import { controlPathFor } from './control-target.js';
import { HoldfastCliError } from './errors.js';

/** `holdfast logs` flags as commander hands them over. */
export interface LogsFlags { control?: string; config?: string; follow?: boolean; lines?: string; generation?: string; json?: boolean }

/** One line of `GET /logs` (core's LogLine). */
interface LogLine { time: string; generation: number; pid: number; stream: 'stdout' | 'stderr'; line: string }

/** @throws HoldfastCliError ERR_HOLDFAST_USAGE naming the flag, the value and what is expected. */
function wholeNumber(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) {
    throw new HoldfastCliError('ERR_HOLDFAST_USAGE', `holdfast logs: ${flag} must be a whole number >= ${min}; got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/**
 * `holdfast logs [-f] [-n N] [--generation G] [--json]`: the recent output of the workers, from the holder's
 * bounded buffer (`GET /logs`, newline-delimited JSON), each line tagged `[g<generation> <pid>]`; `-f` keeps
 * printing new lines until interrupted or the holder stops. Loads no holder code (node:http client).
 * Resolves with the exit code: 0, or 1 when the holder keeps no output (`--output inherit`) or refuses the query.
 * @throws HoldfastCliError ERR_HOLDFAST_USAGE for a bad flag, ERR_HOLDFAST_CONTROL_UNREACHABLE when no holder answers.
 */
export async function logsCommand(flags: LogsFlags): Promise<number> {
  const n = wholeNumber(flags.lines, '-n', 0);
  const generation = wholeNumber(flags.generation, '--generation', 1);
  const controlPath = controlPathFor(flags);
  const q = new URLSearchParams();
  q.set('n', String(n ?? (flags.follow ? 10 : 100)));
  if (generation !== undefined) q.set('generation', String(generation));
  if (flags.follow) q.set('follow', '1');
  let refused: { message?: string; hint?: string } | null = null;
  try {
    await streamControl(controlPath, `/logs?${q}`, undefined, (e) => {
      if (e.event === 'result') { refused = (e.error as { message?: string; hint?: string }) ?? { message: 'unexpected answer' }; return; }
      const l = e as unknown as LogLine;
      process.stdout.write(flags.json ? `${JSON.stringify(l)}\n` : `[g${l.generation} ${l.pid}] ${l.line}\n`);
    }, 'GET');
  } catch (err) {
    if (flags.follow && err instanceof HolderGoneError) return 0; // the holder stopped while we followed
    throw err;
  }
  const r = refused as { message?: string; hint?: string } | null;
  if (r) {
    process.stderr.write(`holdfast logs: ${r.message}\n${r.hint ? `hint: ${r.hint}\n` : ''}`);
    return 1;
  }
  return 0;
}
