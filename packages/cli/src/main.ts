import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { CodedError } from '@holdfast/core/client';
import { CLI_ERRORS } from './errors.js';
import { EXIT } from './exit-codes.js';

// Each command's module is imported when it runs: `status`, `reload` and `stop` then load commander, node:http
// and the light @holdfast/core/client, never the holder (fastify, pino, the addon), chokidar or pino-pretty.
const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const collect = (v: string, prev: string[] = []) => [...prev, v];

function fail(err: unknown): never {
  if (err instanceof CodedError) {
    process.stderr.write(`holdfast: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
    process.exit(err.exitCode);
  }
  process.stderr.write(`holdfast: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(EXIT.FAILED);
}

const EXIT_CODES_HELP = `
Exit codes:
  0 ok   1 rolled back, connections cut at the drain deadline, or service failed   2 bad usage or config
  3 socket could not be opened   4 command not found   5 no holder on the control socket
  6 control socket already in use
  status --check: 7 starting   8 restarting   9 stopping (1 failed, 5 no holder)`;

const ENV_HELP = `
Environment:
  HOLDFAST_CONTROL     control socket path (instead of --control)
  HOLDFAST_LOG_LEVEL   fatal, error, warn, info (default), debug, trace, silent
  HOLDFAST_LOG_FORMAT  pretty (default on a TTY) or json (default otherwise)`;

/** Build the `holdfast` program (exported for tests and --help output). */
export function buildProgram(): Command {
  const program = new Command('holdfast')
    .description('Zero-downtime restarts for services on held sockets (systemd socket-activation protocol).')
    .version(VERSION, '-V, --version', 'print the version of holdfast')
    .enablePositionalOptions()
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `
Examples:
  holdfast run -l http=tcp://127.0.0.1:3000 -- node app.js         hold port 3000; the unmodified app's listen(3000) takes it
  holdfast dev -l http=tcp://127.0.0.1:3000 -- node server.mjs     the same, reloading on every save
  holdfast reload                                                  blue-green swap (same directory as run)
  holdfast status                                                  what runs, since when, on which sockets
Docs: docs/cli.md, docs/config.md, docs/deploy.md, docs/dev.md, docs/systemd-wrapper.md, docs/container.md
${EXIT_CODES_HELP}
${ENV_HELP}
`);
  const controlOpt = ['--control <path>', 'control socket (default: one per working directory, or $HOLDFAST_CONTROL)'] as const;
  const configOpt = ['--config <path>', 'config file (default: ./holdfast.config.json or the "holdfast" key of ./package.json)'] as const;
  // No defaults here: an option that was not given must not override the config file (config.ts applies defaults).
  const holderOptions = (cmd: Command, dflt: { ready: string; drain: string; onFailed: string; idleStart: string }) => cmd
    .option('-l, --listen <name=spec>', 'socket to hold, e.g. http=tcp://127.0.0.1:3000 (repeatable)', collect)
    .option(...controlOpt)
    .option(...configOpt)
    .option('--cwd <dir>', 'working directory of the workers, resolved again for every generation (default: .)')
    .option('--ready-timeout <dur>', `deadline for READY=1 from a new generation (default: ${dflt.ready})`)
    .option('--drain-timeout <dur>', `SIGTERM to SIGKILL deadline for an old generation (default: ${dflt.drain})`)
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (default: info, or $HOLDFAST_LOG_LEVEL)')
    .option('--workers <n>', 'worker processes sharing the sockets, or max for one per CPU (default: 1)')
    .option('--reload-strategy <s>', 'rolling (max-extra at a time) or all-at-once (default: rolling)')
    .option('--max-extra <n>', 'processes allowed beyond --workers during a swap, starting and draining ones included (default: 1; all-at-once: workers)')
    .option('--settle <dur>', 'a new worker must stay up this long after READY=1 to count as ready (default: 300ms)')
    .option('--standby <n>', 'warm standby workers: ready but not accepting, one replaces a crashed worker at once (default: 0)')
    .option('--idle-start <dur>', `a worker started beside a serving one runs at idle CPU priority until READY=1, at most this long; 0: normal priority (default: ${dflt.idleStart})`)
    .option('--warmup <list>', 'before READY=1, run these requests through the app\'s own server on a private socket (never the held one), e.g. /,GET /health (default: none)')
    .option('--warmup-count <n>', 'runs of each --warmup request (default: 200)')
    .option('--watchdog <dur>', 'hand WATCHDOG_USEC to workers and replace one that stops sending WATCHDOG=1 (default: off)')
    .option('--max-restarts <n>', 'consecutive failed starts/crashes before the service is marked failed (default: 10)')
    .option('--on-failed <what>', `when --max-restarts is reached: exit (drain, exit 1) or stay (default: ${dflt.onFailed})`)
    .option('--health <addr>', 'serve GET /livez, /readyz, /metrics on this address of its own, e.g. tcp://0.0.0.0:8081')
    .option('--shutdown-delay <dur>', 'on SIGTERM, answer 503 on /readyz and keep serving this long before draining (default: 0)')
    .option('--env-file <path>', 'env file for the workers, read again for every generation (repeatable)', collect)
    .option('--max-memory <size>', 'reload a worker whose RSS stays above SIZE (e.g. 512M, 1G), without downtime (default: off)')
    .option('--kill-signal <sig>', 'the signal that asks a worker to drain, e.g. SIGINT (default: SIGTERM)')
    .option('--no-preload', 'do not load the register hook into Node commands (it lets an unmodified app.listen(PORT) take the held socket)')
    .option('--wait-ready', 'READY=1 when the app calls process.send(\'ready\') (PM2\'s wait_ready), not when it listens')
    .option('--strict', 'an app\'s listen on a port holdfast does not hold fails, naming the -l to add (default: it binds it itself, with a warning)')
    .option('--output <mode>', 'worker stdout/stderr: pipe (copied by the holder, lines dropped and counted if its output breaks) or inherit (default: pipe)')
    .option('--output-tag <tag>', 'tag worker lines with [g<generation> <pid>]: auto (on a TTY and in dev), prefix or none (default: auto)')
    .option('--output-timestamps', 'add the time the holder read each worker line')
    .argument('[command...]', 'the worker command, after -- (default: "command" from the config file)')
    .passThroughOptions();

  holderOptions(program.command('run'), { ready: '30s', drain: '30s', onFailed: 'exit', idleStart: '5s' })
    .description('hold the sockets and run CMD on them; SIGHUP or `holdfast reload` swaps in a new generation')
    .addHelpText('after', `
Examples:
  holdfast run -l http=tcp://127.0.0.1:3000 -- node server.mjs
  holdfast run -l http=tcp://0.0.0.0:80 -l metrics=tcp://127.0.0.1:9100 --drain-timeout 60s -- node server.mjs
  holdfast run --cwd /srv/app/current -- node server.mjs     # blue-green: switch the symlink, then reload
  holdfast run                                               # everything from holdfast.config.json
${EXIT_CODES_HELP}`)
    .action(async (command: string[], flags) => { await (await import('./run.js')).runCommand(flags, command); });

  holderOptions(program.command('dev'), { ready: '10s', drain: '5s', onFailed: 'stay', idleStart: '0' })
    .description('run CMD and reload it on every change (debounced); a broken edit keeps the last good generation serving')
    .option('-w, --watch <path>', 'file or directory to watch (repeatable; default: the working directory)', collect)
    .option('-i, --ignore <glob>', 'glob to ignore, added to node_modules, .git, logs, dist, build, coverage, *.log (repeatable)', collect)
    .option('-e, --ext <list>', 'extensions whose changes reload, e.g. js,ts,graphql; * for any file (default: js,mjs,cjs,jsx,ts,mts,cts,tsx,json)', collect)
    .option('--debounce <dur>', 'quiet time after the last change before reloading (default: 150ms)')
    .addHelpText('after', `
Only files with the watched extensions reload; the log says how many files are watched and what is ignored.
Type rs + Enter to reload by hand. Ctrl-C stops.

Examples:
  holdfast dev -l http=tcp://127.0.0.1:3000 -- node server.mjs
  holdfast dev -l http=tcp://127.0.0.1:3000 -w src -i '**/*.test.ts' -- node --import tsx src/server.ts
${EXIT_CODES_HELP}`)
    .action(async (command: string[], flags) => { await (await import('./dev.js')).devCommand(flags, command); });

  holderOptions(program.command('unit'), { ready: '30s', drain: '30s', onFailed: 'exit', idleStart: '5s' })
    .description('print the systemd .socket and .service units that run this holder with the same sockets and command')
    .option('--name <service>', 'service name (default: the directory name)')
    .option('--out <dir>', 'write the unit files into DIR instead of printing them')
    .addHelpText('after', `
Examples:
  holdfast unit -l http=tcp://0.0.0.0:8080 --name app -- node server.mjs
  holdfast unit --name app --out ./deploy/systemd          # from holdfast.config.json
${EXIT_CODES_HELP}`)
    .action(async (command: string[], flags) => { process.exitCode = (await import('./unit-command.js')).unitCommand(flags, command); });

  program.command('reload')
    .description('start a new generation, show its progress, drain the old one (exit 1 on rollback)')
    .option(...controlOpt)
    .option(...configOpt)
    .option('--cwd <dir>', 'deploy this directory (a release) instead; kept only if it gets ready')
    .option('--json', 'print the progress events as JSON lines')
    .option('--env <KEY=VALUE>', 'set a variable for this deploy (repeatable); kept only if it gets ready', collect)
    .option('--env-file <path>', 'env file for this deploy, after the holder\'s own (repeatable)', collect)
    .argument('[command...]', 'deploy this command instead (after --); kept only if it gets ready')
    .passThroughOptions()
    .addHelpText('after', `
Prints each step as it happens: spawned pid, ready after N ms, old generation drained after N ms.

Examples:
  holdfast reload
  holdfast reload --cwd /srv/app/releases/v42                 # deploy a release directory
  holdfast reload -- node server.mjs --port-name http         # change the command (and its arguments)
  holdfast reload --env FEATURE_X=1 --env-file ./release.env   # change the environment of the next generation
  curl -N --unix-socket "$SOCK" -X POST 'http://holdfast/reload?progress=1'
${EXIT_CODES_HELP}`)
    .action(async (command: string[], flags) => { process.exitCode = await (await import('./reload-command.js')).reloadCommand(flags, command); });

  program.command('status')
    .description('show the service, its workers and sockets')
    .option(...controlOpt)
    .option(...configOpt)
    .option('--json', 'print the status as JSON (the body of GET /status)')
    .option('--check', 'exit 0 when serving, else the state\'s code: 7 starting, 8 restarting, 1 failed, 9 stopping, 5 no holder')
    .addHelpText('after', `
Examples:
  holdfast status
  holdfast status --json | jq '.workers[] | {pid, generation, state}'
  holdfast status --check || echo "not serving (exit $?)"     # an exec probe
${EXIT_CODES_HELP}`)
    .action(async (flags) => { process.exitCode = await (await import('./status-command.js')).statusCommand(flags); });

  program.command('metrics')
    .description('print the holder\'s Prometheus metrics (GET /metrics on the control socket)')
    .option(...controlOpt)
    .option(...configOpt)
    .addHelpText('after', `
Example:
  holdfast metrics | grep holdfast_swaps_total
${EXIT_CODES_HELP}`)
    .action(async (flags) => { process.exitCode = await (await import('./status-command.js')).metricsCommand(flags); });

  program.command('logs')
    .description('print the recent output of the workers, tagged with generation and pid (-f: keep following)')
    .option(...controlOpt)
    .option(...configOpt)
    .option('-f, --follow', 'keep printing new lines until interrupted')
    .option('-n, --lines <n>', 'how many recent lines (default: 100; with -f: 10)')
    .option('--generation <g>', 'only the lines of this generation')
    .option('--json', 'print each line as JSON: {time, generation, pid, stream, line}')
    .addHelpText('after', `
The holder keeps the last 1 MiB of worker output (not with --output inherit).

Examples:
  holdfast logs -n 50
  holdfast logs -f --generation 3
  curl -N --unix-socket "$SOCK" 'http://holdfast/logs?follow=1&n=10'
${EXIT_CODES_HELP}`)
    .action(async (flags) => {
      // Lazy: a client command loads no part of the holder.
      const { logsCommand } = await import('./logs-command.js');
      process.exitCode = await logsCommand(flags);
    });

  program.command('stop')
    .description('drain every worker and stop the holder; returns once the holder has exited and the sockets are closed')
    .option(...controlOpt)
    .option(...configOpt)
    .option('--no-wait', 'return as soon as the holder has begun stopping')
    .option('--json', 'print the progress events as JSON lines')
    .addHelpText('after', `
Prints each worker as it ends (exited on its own after N ms, or killed at the drain deadline with the
connections that were cut), then "stopped" once the holder process is gone: \`holdfast stop && holdfast run\`
on the same port works. Exit 1 when connections were cut at the drain deadline.

Examples:
  holdfast stop              # the same as SIGTERM or Ctrl-C to the holder, but waits for it
  holdfast stop --no-wait
${EXIT_CODES_HELP}`)
    .action(async (flags) => { process.exitCode = await (await import('./stop-command.js')).stopCommand(flags); });
  return program;
}

/** Entry point of the `holdfast` bin. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : CLI_ERRORS.ERR_HOLDFAST_USAGE.exitCode);
    fail(err);
  }
}
