import { Command, CommanderError } from 'commander';
import { HoldfastError } from '@holdfast/core';
import { reloadCommand, statusCommand, stopCommand } from './control-commands.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { runCommand } from './run.js';

const collect = (v: string, prev: string[]) => [...prev, v];

function fail(err: unknown): never {
  if (err instanceof HoldfastError) {
    process.stderr.write(`holdfast: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
    process.exit(exitCodeFor(err.code));
  }
  process.stderr.write(`holdfast: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(EXIT.FAILED);
}

/** Build the `holdfast` program (exported for tests and --help output). */
export function buildProgram(): Command {
  const program = new Command('holdfast')
    .description('Zero-downtime restarts for services on held sockets (systemd socket-activation protocol).')
    .enablePositionalOptions()
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  const controlOpt = ['--control <path>', 'control socket (default: per working directory, or $HOLDFAST_CONTROL)'] as const;

  program.command('run')
    .description('hold the sockets and run CMD on them; SIGHUP or `holdfast reload` swaps in a new generation')
    .option('-l, --listen <name=spec>', 'socket to hold, e.g. http=tcp://127.0.0.1:3000 (repeatable)', collect, [])
    .option(...controlOpt)
    .option('--ready-timeout <dur>', 'deadline for READY=1 from a new generation', '30s')
    .option('--drain-timeout <dur>', 'SIGTERM to SIGKILL deadline for an old generation', '30s')
    .argument('<command...>', 'the worker command, after --')
    .passThroughOptions()
    .addHelpText('after', '\nExample:\n  holdfast run -l http=tcp://127.0.0.1:3000 -- node server.mjs\n')
    .action(async (command: string[], flags) => { await runCommand(flags, command); });

  program.command('reload')
    .description('start a new generation, wait until it is ready, drain the old one (exit 1 on rollback)')
    .option(...controlOpt)
    .action(async (flags) => { process.exitCode = await reloadCommand(flags); });

  program.command('status')
    .description('show the workers and sockets of the running holder')
    .option(...controlOpt)
    .option('--json', 'print the status as JSON')
    .action(async (flags) => { process.exitCode = await statusCommand(flags); });

  program.command('stop')
    .description('drain every worker and stop the holder')
    .option(...controlOpt)
    .action(async (flags) => { process.exitCode = await stopCommand(flags); });
  return program;
}

/** Entry point of the `holdfast` bin. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : EXIT.USAGE);
    fail(err);
  }
}
