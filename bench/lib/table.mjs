// The markdown table of a bench run (README, docs/bench.md, stdout): one row per figure, holdfast, PM2 and
// nodemon side by side, each cell the median (min–max, n), the target where the issue sets one shown met or
// missed, and a "how" column saying exactly what is measured.
import { fmt } from './stats.mjs';
import { latencyRows } from './latency-rows.mjs';

/** { F, cfg, meta, seconds, problems } → the table as one markdown string. */
export function renderTable({ F, cfg, meta, seconds, problems }) {
  const md = [];
  const v = (x, unit = '', d = 2) => fmt(x, unit, d);
  const row = (...cells) => md.push(`| ${cells.join(' | ')} |`);
  md.push(`Measured ${meta.date.slice(0, 16).replace('T', ' ')} UTC on ${meta.machine.cpu}, ${meta.machine.cores} cores (shared with other work; load average ${meta.machine.loadavgAtStart.join(' ')} at start), ${meta.machine.kernel}; Node ${meta.versions.node}, holdfast ${meta.versions.holdfast} (${meta.versions.holdfastCommit}), PM2 ${meta.versions.pm2}, nodemon ${meta.versions.nodemon}, autocannon ${meta.versions.autocannon}, fastify ${meta.versions.fastify}, undici ${meta.versions.undici}.`);
  md.push(`Mode ${cfg.mode}, ${seconds} s: ${cfg.throughputRuns} alternating run(s) of the steady-load figures, ${cfg.runs} of the others. Comparisons are ratios within a run; a cell gives the median (min–max, n = runs or samples).`);
  md.push('');
  row('figure', 'holdfast', 'PM2 (cluster, 1 instance)', 'nodemon', 'how');
  row('---', '---', '---', '---', '---');
  const codes = (o) => Object.entries(o ?? {}).map(([k, n]) => `${k} ${n}`).join(', ');
  if (F.failedPer100Reloads) {
    const c = (s) => { const f = F.failedPer100Reloads[s]; return `**${f.per100}** (${f.errors + f.non2xx} of ${f.requests + f.errors} in ${f.reloads} ${s === 'nodemon' ? 'restarts' : 'reloads'}${f.non2xx ? `; non-2xx ${f.non2xx}` : ''}${f.errors ? `; ${codes(f.errorCodes)}` : ''}); unanswered ${f.unanswered}`; };
    row(`failed requests per 100 reloads, autocannon, ${cfg.connections} keep-alive connections, max rate`, c('holdfast'), c('pm2'), c('nodemon'), `\`holdfast reload\` / \`pm2 reload\` / write the watched file, ${cfg.gapMs} ms apart; failed = errors + non-2xx. Unanswered = sent − completed − errors − ${cfg.connections} in flight at the end: requests autocannon wrote on a connection the server had closed with \`Connection: close\` (docs/measurements.md), see the next row`);
  }
  if (F.undici) {
    const c = (s) => { const f = F.undici[s]; return f ? `**${f.per100}** (${f.failed} of ${f.requests} in ${f.reloads} reloads${f.failed ? `: ${codes(f.errorCodes)}` : ''})` : 'not run'; };
    row(`same, cross-checked with an undici keep-alive Pool (${cfg.connections} connections)`, c('holdfast'), c('pm2'), c('nodemon'), 'every request accounted for: error or response');
  }
  if (F.handover) {
    const c = (s) => { const f = F.handover[s]; return `**${v(f.oldExitMs, ' ms', 0)}**; ${f.kept} of ${f.connections} connections kept their local port`; };
    row(`old generation's exit after SIGTERM, ${cfg.idleClients} idle keep-alive clients (node http.Agent keepAlive)`, `hand-over on: ${c('holdfast')}; off: ${c('holdfastNoHandover')}`, '—', '—', 'one request on each connection, `holdfast reload`, SIGTERM to exit as the holder logs it; then one more request on each: same local port = the connection moved to the new generation (off: the old one closes it after the Keep-Alive hint + 1 s)');
  }
  latencyRows({ F, cfg, row, v });
  if (F.throughputRatio) {
    row('CPU time per request / bare node at maximum rate (lower is better; the fixed-rate row below has an interval)', v(F.throughputRatio.holdfast.cpuPerRequest), v(F.throughputRatio.pm2.cpuPerRequest), '—', `user+sys (/proc/PID/stat) of holder+worker / PM2 daemon+worker / the bare app, per completed request, ${cfg.steadySeconds} s at max rate; bare ${v(F.cpuUsPerRequest.bare, ' µs', 0)}, holdfast ${v(F.cpuUsPerRequest.holdfast, ' µs', 0)}, PM2 ${v(F.cpuUsPerRequest.pm2, ' µs', 0)}`);
    row('throughput (req/s) / bare node', v(F.throughputRatio.holdfast.rps), v(F.throughputRatio.pm2.rps), '—', `same runs; bare ${v(F.rps.bare, ' req/s', 0)}. req/s swings 0.5–1.3× between identical runs on a shared machine (docs/measurements.md): trust the CPU row`);
  }
  if (F.reloadMs?.holdfast && F.startupMs) {
    row('reload duration / worker start-up time', `**${v(F.reloadMs.holdfast.overStartup)}**; \`holdfast reload\` ${v(F.reloadMs.holdfast.idle, ' ms', 0)} (new generation ready after ${v(F.reloadMs.holdfast.idleReadyMs, ' ms', 0)}); under load ${v(F.reloadMs.holdfast.underLoad, ' ms', 0)}`, `**${v(F.reloadMs.pm2.overStartup)}**; \`pm2 reload\` ${v(F.reloadMs.pm2.idle, ' ms', 0)}; under load ${v(F.reloadMs.pm2.underLoad, ' ms', 0)}`, `restart under load, save → new code answering: ${v(F.reloadMs.nodemon.underLoad, ' ms', 0)}`, `wall time of the reload command (a CLI process each) with no load, over the start-up time of the bare app (spawn to first answer, ${v(F.startupMs, ' ms', 0)}) in the same run`);
  }
  if (F.cli) {
    const c = (k) => `**${v(F.cli[k].overWallMs, ' ms', 0)}** wall, ${v(F.cli[k].overCpuMs, ' ms', 0)} CPU`;
    row('CLI latency over `node -e 0`: `holdfast status` / `status --json` / `reload`', `status ${c('status')}; status --json ${c('statusJson')}; reload ${c('reload')} (reload in all ${v(F.cli.reload.wallMs, ' ms', 0)}, the swap alone ${v(F.cli.api.wallMs, ' ms', 0)})`, '—', '—',
      `${F.cli.node.wallMs.n} alternating rounds against a running holder; per round, the command's wall time (spawn to exit) and CPU time (user+sys) minus those of \`node -e 0\` (${v(F.cli.node.wallMs, ' ms', 0)} wall) in the same round; for reload also minus the swap (POST /reload from the bench process) of the same round`);
  }
  if (F.udp) row(`UDP datagrams lost across ${F.udp.swaps} swaps at ${F.udp.rate}/s`, `**${F.udp.lost}** of ${F.udp.sent}`, '—', '—', 'UDP echo worker; sequence numbers counted back at the sender');
  if (F.output) {
    const o = F.output;
    row('worker output through the holder: holder CPU per MiB; max lines/s vs the worker writing to its own stdout', `**${v(o.holderCpuMsPerMiB, ' ms', 1)}** CPU/MiB untagged, ${v(o.prefixCpuMsPerMiB, ' ms', 1)} tagged; ${v(o.holderLinesPerSec, '', 0)} lines/s = **${v(o.holderOverDirect)}** × direct (${v(o.directLinesPerSec, '', 0)}); tagged ${v(o.prefixLinesPerSec, '', 0)}; ${o.dropped} lines dropped when the reader fell 256 KiB behind`, '—', '—', `${o.lines} lines of ${o.lineBytes} bytes, one write() each, read by the bench through a pipe; holder user+sys (/proc/PID/stat) while it copies (\`--output pipe\`, tags off / \`--output-tag prefix\`); \`--output inherit\` costs nothing`);
  }
  if (F.holderRssMiB !== null || F.soak) {
    const sk = (x) => (x ? (x.error ? 'failed' : `after ${x.reloads} reloads: fds ${x.growth.fds >= 0 ? '+' : ''}${x.growth.fds}, RSS ${x.growth.rssMiB >= 0 ? '+' : ''}${x.growth.rssMiB} MiB, children ${x.growth.children >= 0 ? '+' : ''}${x.growth.children} (${x.first.fds}→${x.end.fds} fds, ${x.first.rssMiB}→${x.end.rssMiB} MiB); ${x.failedRequests} failed requests`) : 'not run');
    row('manager RSS while the bench runs, and fd/RSS/child-process growth from the first reload to the end', `holder ${F.holderRssMiB ?? '?'} MiB; ${sk(F.soak?.holdfast)}`, `daemon ${F.pm2DaemonRssMiB ?? '?'} MiB; ${sk(F.soak?.pm2)}`, '—', '`bench/soak.mjs`: reloads in a row (control API / pm2 API) under a light 4-connection load');
  }
  if (F.dev) {
    const c = (s) => `${v(F.dev[s].saveToAnswerMs, ' ms', 0)}; **${F.dev[s].refused}** refused in ${F.dev[s].saves} saves`;
    row('dev loop: save to new code answering; refused connections meanwhile', `${c('holdfast')} (${F.dev.holdfastMode})`, '—', c('nodemon'), 'write the watched file; 2 loops of fresh connections until the new version answers');
  }
  if (problems.length) { md.push(''); md.push(`**Problems:** ${problems.join('; ')}`); }
  return md.join('\n');
}
