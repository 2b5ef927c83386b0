// Table rows of latency-figures.mjs: p99 during reloads per phase (undici, autocannon), SIGKILL to first answer
// against bare start-up (with and without a standby), reload trigger → serving over bare start-up, CPU per
// request at a fixed rate with its interval, the managers' idle memory, and worker instructions per request. A
// target the issue sets is shown with the figure it is checked on (the median) and "met" or "missed".

/** 'target ≤ 1.5: met' from a spread's median (and `unit`), or 'not measured'. */
export function target(s, limit, unit = '') {
  const m = typeof s === 'number' ? s : s?.median;
  if (m === null || m === undefined || !Number.isFinite(m)) return `target ≤ ${limit}${unit}: not measured`;
  return `target ≤ ${limit}${unit}: **${m <= limit ? 'met' : 'missed'}**`;
}

const ms = (v, x, d = 0) => v(x, ' ms', d);
const codes = (o) => Object.entries(o ?? {}).map(([k, n]) => `${k} ${n}`).join(', ');
const failures = (f) => `${f.failed} failed of ${f.requests}${f.failed && Object.keys(f.errorCodes).length ? ` (${codes(f.errorCodes)})` : ''}`;

function p99Rows(F, cfg, row, v) {
  const P = F.phaseP99;
  for (const c of ['undici', 'autocannon']) {
    const h = P.holdfastWarm[c]; const p = P.pm2[c];
    const r = (f, k) => v(f.phases[k].overSteady);
    const hf = `with \`--warmup / --warmup-count ${P.warmupCount}\`: during reloads **${r(h, 'duringReloads')}**, ${target(h.phases.duringReloads.overSteady, 1.5)}; start-up ${r(h, 'startup')}, settle ${r(h, 'settle')}, drain ${r(h, 'drain')}, cold ${r(h, 'cold')}; steady p99 ${ms(v, h.steadyMs, 1)}, cold p99 ${ms(v, h.phases.cold.p99Ms, 1)}; ${failures(h)} in ${h.reloads} reloads`;
    const pm = `during reloads **${r(p, 'duringReloads')}**; reload (trigger → done) ${r(p, 'reload')}, 500 ms after done ${r(p, 'after')}; steady p99 ${ms(v, p.steadyMs, 1)}; ${failures(p)} in ${p.reloads} reloads`;
    const client = c === 'undici' ? 'an undici keep-alive Pool' : 'autocannon (start = its client\'s \'request\' event, pipelining 1; its own latency figure mis-times requests after a reconnect)';
    row(`p99 latency during reloads / steady p99, ${c}, ${h.connections} keep-alive connections at max rate, each request timed from its own start (target ≤ 1.5)`, hf, pm, '—',
      `${client}, side by side with ${c === 'undici' ? 'autocannon' : 'undici'} (${h.connections} connections each, the same reloads); per run ${cfg.p99WarmMs / 1000} s of load not counted, ${cfg.p99SteadyMs / 1000} s steady, then ${P.reloadsPerRun} reload(s) ${cfg.gapMs} ms apart (holdfast: POST /reload?progress=1; PM2: reload() of its programmatic API); a phase's p99 over the steady p99 of the same run, median over runs. Phases by each request's start: start-up = trigger → READY=1 (the holder's readyMs), settle = the next 300 ms, drain = settle → the old worker's exit (drainMs), cold = the 500 ms after the settle; PM2 has no phases: reload = trigger → its callback (new worker listening, old one stopped), after = the next 500 ms; during reloads = trigger → the end of the drain or of cold, whichever is later (PM2: → done + 500 ms). Failed requests are not in the p99`);
  }
}

function floorRow(F, cfg, row, v) {
  const L = F.phaseP99.floor;
  if (!L?.undici) return;
  const cell = (c) => `${c}: while it starts **${v(L[c].duringStart)}** (spawn → first answer ${v(L[c].startup)}); steady p99 ${ms(v, L[c].steadyMs, 1)}`;
  row('the floor under that ratio: p99 while a bare process of the same app starts beside the load, no reload, no manager / steady p99',
    `${cell('undici')}; ${cell('autocannon')}; bare start-up ${ms(v, L.undici.startupMs)}`, '—', '—',
    `the same two clients on the serving holdfast worker, no reload; ${F.phaseP99.reloadsPerRun} time(s) per run a bare \`node\` of the same app starts on a port of its own (spawn → first answer, then 300 ms more), ${cfg.gapMs} ms apart. Every manager that starts a process for a reload pays at least this on this machine; a ratio near it is what the rest of the reload adds`);
}

function sigkillRows(F, row, v) {
  const S = F.sigkill; const B = F.sigkillOverBare;
  const c = (s) => `**${S[s].refused}** refused, ${S[s].otherFailures} other failures in ${S[s].kills} kill(s); kill → first answer ${ms(v, S[s].recoveryMs)}`;
  const how = `4 loops of fresh connections; kill → the first answer from a new pid, minus the bare start-up (spawn → first answer, no manager) of the same app in the same run (holdfast's app ${ms(v, B?.bareMs.holdfastApp)}, PM2's ${ms(v, B?.bareMs.selfApp)}), per run`;
  row('SIGKILL of the worker: refused connections, and kill → first answer minus bare start-up (target ≤ 50 ms)', `${c('holdfast')}; minus bare start-up **${ms(v, B?.holdfast)}**, ${target(B?.holdfast, 50, ' ms')}`, `${c('pm2')}; minus bare start-up **${ms(v, B?.pm2)}**`, '—', how);
  row('the same with `--standby 1`: kill → first answer (target ≤ 50 ms)', `${c('holdfastStandby')}, ${target(S.holdfastStandby.recoveryMs, 50, ' ms')}; minus bare start-up ${ms(v, B?.holdfastStandby)}`, '— (no standby; the row above)', '—',
    'a warm standby (ready, not accepting) is promoted at once: no backoff, no start-up; its memory is one more worker. Same probes and timing as the row above');
}

function servingRow(F, cfg, row, v) {
  const S = F.serving; const h = S.holdfast; const w = S.holdfastWarm; const p = S.pm2;
  row('reload trigger (control API) → new generation serving, over bare start-up of the same app (target ≤ 1.2)',
    `**${v(h.servingOverBare)}**, ${target(h.servingOverBare, 1.2)}; POST /reload → READY=1 ${ms(v, h.toServingMs)}, → first answer from the new pid ${ms(v, h.toNewPidMs)}, → \`result\` line (settle + drain over) ${ms(v, h.toDoneMs)}; with \`--warmup / --warmup-count ${cfg.warmupCount}\`: ${v(w.servingOverBare)} (READY=1 after ${ms(v, w.toServingMs)})`,
    `**${v(p.servingOverBare)}**: reload() → first answer from the new worker ${ms(v, p.toNewPidMs)}; → reload callback (old worker stopped) ${ms(v, p.toDoneMs)} = ${v(p.doneOverBare)} × bare`, '—',
    `${cfg.servingReloadsPerRun} idle reload(s) per system per run, one GET / on a fresh connection every 10 ms watching for the new pid (as for the bare start-up); over the bare start-up (spawn → first answer, no manager) of the same app in the same run: holdfast's app ${ms(v, S.bareMs.holdfastApp)}, PM2's ${ms(v, S.bareMs.selfApp)}. holdfast serving = the \`spawned\` progress line + the holder's spawn → READY=1 (readyMs); PM2 has no READY=1 (without --wait-ready): its equivalent is the new worker's first answer. Median of a run's reloads / its bare start-up, median over runs`);
}

function cpuRow(F, row, v) {
  const C = F.cpu;
  const c = (s) => `**${C[s].mean}** (95% CI ${C[s].ci95 ? `${C[s].ci95[0]}–${C[s].ci95[1]}` : 'n/a'}; median ${C[s].median}, n=${C[s].n}${C[s].balanced ? ' balanced pairs of rounds' : ' rounds'}); ${C.usPerRequest[s]} µs vs bare ${C.usPerRequest.bare} µs`;
  row(`CPU time per request / bare node at ${C.rate} req/s, with its 95% confidence interval`, c('holdfast'), c('pm2'), '—',
    `fixed rate (undici, 10 connections), ${C.seconds} s windows, ${C.rounds} rounds of bare, holdfast, PM2 with the order reversed every other round; CPU = schedstat ns of every thread of the system's processes (holder + worker, PM2 daemon + worker, the bare app) / answered requests; a round and the reversed one after it give one value (geometric mean of their ratios), the interval is Student's t over those (bench/cpu-per-request.mjs)`);
}

function footprintRow(F, row, v) {
  const M = F.idleFootprint;
  const c = (s) => `**${v(M[s].rssMiB, ' MiB', 1)}** RSS${M[s].pssMiB.n ? `, PSS ${v(M[s].pssMiB, ' MiB', 1)}` : ''}${M[s].anonMiB.n ? `, anonymous ${v(M[s].anonMiB, ' MiB', 1)}` : ''}; idle CPU ${v(M[s].idleCpuPct, ' %', 2)}`;
  row('manager memory at idle, metrics endpoint enabled (target: holder RSS ≤ 55 MiB)', `holder ${c('holdfast')}, ${target(M.holdfast.rssMiB, 55, ' MiB')}`, `daemon ${c('pm2')}`, '—',
    `a fresh manager with the smallest node:http app, ${M.rounds} round(s), holdfast and PM2 side by side; holdfast: \`bench/holder-footprint.mjs --metrics\` (the holder after one GET /metrics and ${M.idleMs} ms idle); PM2: its daemon (God) after one \`pm2 jlist\` and the same idle time. RSS and PSS/anonymous from /proc/PID/smaps_rollup: PSS divides shared pages (node's binary) among the processes mapping them, anonymous (heap, stacks) is the process's own`);
}

function instructionsRow(F, row) {
  const I = F.instructions;
  const what = 'worker instructions per request / bare node (valgrind callgrind), with its 95% confidence interval';
  if (I.skipped || I.error) { row(what, I.skipped ? `skipped: ${I.skipped}` : 'failed (see problems)', '—', '—', '`bench/cpu-instructions.mjs`'); return; }
  const k = (x) => `${(x / 1000).toFixed(1)} k`;
  row(what,
    `**${I.ratio.median}** (95% CI ${I.ratio.ci95 ? `${I.ratio.ci95[0]}–${I.ratio.ci95[1]}` : 'n/a'}, ±${I.ratio.halfWidthPct ?? '?'}%, median of n=${I.ratio.n} paired windows); mean ${I.ratioMean.mean} (t CI ${I.ratioMean.ci95 ? `${I.ratioMean.ci95[0]}–${I.ratioMean.ci95[1]}` : 'n/a'}); ${k(I.holdfast.medianPerRequest)} vs bare ${k(I.bare.medianPerRequest)} instructions; window CV bare ${I.bare.cv}, holdfast ${I.holdfast.cv}; holder CPU meanwhile ${I.holder.cpuMsPerSecond} ms/s (${I.holder.nsPerHoldfastRequest} ns per request)`,
    '—', '—',
    `\`bench/cpu-instructions.mjs\` (--app ${I.app}): the worker (\`node ${(I.nodeFlags ?? []).join(' ')}\`, no TurboFan: counts that depend on the code path only) under valgrind's callgrind, bare and under \`holdfast run\` at once; ${I.warmup} warm-up requests uninstrumented, ${I.settle} settle window(s), then ${I.pairs} pairs of windows of ${I.requests} sequential keep-alive requests, one system loaded at a time; instruction counts do not depend on the machine's other work. The holder is off the request path: its own CPU time over the same windows is shown`);
}

/** The rows of the sections that ran, in table order. `row(...cells)` adds a row; `v` formats a spread. */
export function latencyRows({ F, cfg, row, v }) {
  if (F.phaseP99) { p99Rows(F, cfg, row, v); floorRow(F, cfg, row, v); }
  if (F.sigkill) sigkillRows(F, row, v);
  if (F.serving) servingRow(F, cfg, row, v);
  if (F.cpu) cpuRow(F, row, v);
  if (F.idleFootprint) footprintRow(F, row, v);
  if (F.instructions) instructionsRow(F, row);
}
