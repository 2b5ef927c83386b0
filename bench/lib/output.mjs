// Worker output through the holder (`--output pipe`) against a worker writing to its own stdout directly: the
// holder's CPU time per MiB of worker output, and the maximum line rate either way. The reader (this process)
// and the writer (bench/apps/output-writer.mjs: one write() per line, at the pipe's pace) are the same in both.
import { join } from 'node:path';
import { start, stop, treeCpu, until } from './proc.mjs';
import { BENCH, control, HOLDFAST_BIN, tempDir } from './systems.mjs';

const WRITER = join(BENCH, 'apps/output-writer.mjs');

/**
 * Resolve when `lines` newlines have come out of `stream`: { ms } from its first byte to the last newline. Rejects
 * if the stream ends first (the writer or the holder died), with `what` and the lines seen.
 */
function countLines(stream, lines, what) {
  return new Promise((resolve, reject) => {
    let seen = 0;
    let t0 = 0;
    const onData = (d) => {
      if (!t0) t0 = performance.now();
      for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) seen++;
      if (seen >= lines) { stream.off('data', onData); resolve({ ms: performance.now() - t0 }); }
    };
    stream.on('data', onData);
    stream.once('end', () => reject(new Error(`${what}: output ended after ${seen} of ${lines} lines`)));
  });
}

/** The writer alone, its stdout a pipe to this process. */
export async function outputDirect(lines, bytes) {
  const w = start(process.execPath, [WRITER, String(lines), String(bytes)], { env: { ...process.env, NOTIFY_SOCKET: '' } });
  const { ms } = await countLines(w.stdout, lines, 'the writer').catch((err) => { throw new Error(`${err.message}\n${w.output.slice(-2000)}`); });
  await stop(w);
  return { lines, bytes, ms, linesPerSec: Math.round(lines / (ms / 1000)) };
}

/** The writer under `holdfast run --output pipe --output-tag TAG`, the holder's stdout a pipe to this process. */
export async function outputThroughHolder(lines, bytes, tag = 'none') {
  const ctl = join(tempDir('output'), 'control.sock');
  const h = start(process.execPath, [HOLDFAST_BIN, 'run', '--control', ctl, '--output', 'pipe', '--output-tag', tag, '--', process.execPath, WRITER, String(lines), String(bytes)],
    { env: { ...process.env, HOLDFAST_LOG_FORMAT: 'json', WAIT_MS: '1500' } });
  try {
    const counted = countLines(h.stdout, lines, 'holdfast run');
    counted.catch(() => {});
    await until(async () => (await control(ctl, 'GET', '/status')).body?.workers?.some((w) => w.state === 'ready'), { what: 'the writer ready under holdfast' });
    const before = treeCpu(h.pid)[h.pid];
    // A reader slower than the writer makes the holder drop lines (it never blocks the worker): then the count
    // of the holder's own stdout (written + dropped) says when the copy is done.
    let t0 = 0;
    h.stdout.once('data', () => { t0 = performance.now(); });
    // Whichever ends first decides; the other poll must then stop, or it keeps this process alive for its timeout.
    let decided = false;
    const copied = until(async () => {
      if (decided) return { ms: NaN };
      const o = (await control(ctl, 'GET', '/status')).body?.output?.stdout;
      return o && o.lines + o.dropped >= lines ? { ms: performance.now() - t0 } : null;
    }, { timeoutMs: 300_000, everyMs: 50, what: 'the holder to copy every line' });
    const { ms } = await Promise.race([counted, copied]).finally(() => { decided = true; });
    const holderCpuMs = treeCpu(h.pid)[h.pid] - before;
    const mib = (lines * bytes) / 2 ** 20;
    const status = (await control(ctl, 'GET', '/status')).body;
    return { lines, bytes, tag, ms, linesPerSec: Math.round(lines / (ms / 1000)), holderCpuMs, holderCpuMsPerMiB: +(holderCpuMs / mib).toFixed(1), dropped: status.output.stdout.dropped };
  } finally {
    await stop(h);
  }
}

/**
 * `runs` alternating rounds of: direct, through the holder untagged, through the holder tagged (`prefix`).
 * Returns the per-round samples; run.mjs turns them into medians and ratios.
 */
export async function outputCost({ runs, lines, bytes, log = () => {} }) {
  const rounds = [];
  for (let i = 0; i < runs; i++) {
    const order = i % 2 ? ['holder', 'prefix', 'direct'] : ['direct', 'holder', 'prefix'];
    const r = {};
    for (const k of order) {
      r[k] = k === 'direct' ? await outputDirect(lines, bytes) : await outputThroughHolder(lines, bytes, k === 'prefix' ? 'prefix' : 'none');
      log(`output run ${i + 1} ${k}: ${r[k].linesPerSec} lines/s${r[k].holderCpuMsPerMiB !== undefined ? `, holder ${r[k].holderCpuMsPerMiB} ms CPU/MiB` : ''}`);
    }
    rounds.push(r);
  }
  return rounds;
}
