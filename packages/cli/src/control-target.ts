import { defaultControlPath, findControlPath, HOLDFAST_ENV } from '@holdfast/core/client';
import { resolve } from 'node:path';
import { locateConfig } from './config-file.js';

/** Flags every control command takes. */
export interface ControlFlags { control?: string; config?: string }

/**
 * The control socket a command talks to: --control, else $HOLDFAST_CONTROL, else the config file's "control",
 * else the per-directory default of this directory or the nearest parent directory a holder runs in (the rule
 * `run` and `dev` use, so they find each other from anywhere inside the project). A package.json that is not
 * valid JSON is the app's business: it does not stop `status`, `reload` or `stop`; nor is the rest of the config
 * file theirs to validate (`run` does that).
 */
export function controlPathFor(flags: ControlFlags, cwd = process.cwd()): string {
  if (flags.control) return defaultControlPath(cwd, { ...process.env, [HOLDFAST_ENV.CONTROL]: flags.control });
  if (process.env[HOLDFAST_ENV.CONTROL]) return defaultControlPath(cwd);
  const found = locateConfig(cwd, flags.config, { tolerant: true });
  const control = (found?.raw as { control?: unknown } | null)?.control;
  return typeof control === 'string' && control !== '' ? resolve(found!.baseDir, control) : findControlPath(cwd);
}
