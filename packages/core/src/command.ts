import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { HoldfastError } from './errors.js';

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Find `command` as execvp(3) would: a name with a slash is taken relative to `cwd`, anything else is looked up
 * on `PATH`. Returns the resolved path.
 * @throws HoldfastError ERR_HOLDFAST_COMMAND_NOT_FOUND naming the command, before anything is started.
 */
export function resolveCommand(command: string, cwd: string, env: NodeJS.ProcessEnv): string {
  if (command === '') throw new HoldfastError('ERR_HOLDFAST_COMMAND_NOT_FOUND', 'no command given after --');
  if (command.includes('/')) {
    const p = isAbsolute(command) ? command : resolve(cwd, command);
    if (isExecutableFile(p)) return p;
    throw new HoldfastError('ERR_HOLDFAST_COMMAND_NOT_FOUND', `command ${JSON.stringify(command)} is not an executable file (looked at ${p})`);
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(resolve(cwd, dir), command);
    if (isExecutableFile(p)) return p;
  }
  throw new HoldfastError('ERR_HOLDFAST_COMMAND_NOT_FOUND', `command ${JSON.stringify(command)} was not found on PATH`);
}

/**
 * The working directory of the workers must exist before anything starts.
 * @throws HoldfastError ERR_HOLDFAST_INVALID_OPTION naming `option` and the path.
 */
export function assertDirectory(dir: string, option: string): void {
  let ok = false;
  try { ok = statSync(dir).isDirectory(); } catch { /* missing */ }
  if (!ok) throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `${option} ${JSON.stringify(dir)} is not a directory`);
}
