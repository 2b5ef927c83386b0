import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HoldfastError, renderUnits, resolveCommand, type UnitFile } from '@holdfast/core';
import { resolveConfig, type ConfigFlags } from './config.js';
import { EXIT } from './exit-codes.js';

/** Flags of `holdfast unit`: the holder's own, plus where the units go. */
export interface UnitFlags extends ConfigFlags {
  /** Service name (default: the working directory's base name). */
  name?: string;
  /** Write the files into this directory instead of printing them. */
  out?: string;
}

const HOLDFAST_BIN = fileURLToPath(new URL('../bin/holdfast.js', import.meta.url));

/** The service name systemd accepts: letters, digits and `:-_.\`; anything else becomes `-`. */
function unitName(raw: string): string {
  const n = raw.replace(/[^A-Za-z0-9:_.\\-]/g, '-').replace(/^-+|-+$/g, '');
  if (!n) throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `--name ${JSON.stringify(raw)} leaves no valid unit name; use letters, digits, - _ . :`);
  return n;
}

/** Build the units for the flags and command `holdfast run` would get. */
export function unitsFor(flags: UnitFlags, command: string[]): UnitFile[] {
  const cfg = resolveConfig(flags, command);
  const service = unitName(flags.name ?? basename(cfg.cwd));
  const [cmd, ...args] = cfg.command;
  // systemd's PATH is not the shell's: name the worker command by its absolute path.
  const absCmd = resolveCommand(cmd, cfg.cwd, process.env);
  const control = `/run/${service}/control.sock`;
  const run = [process.execPath, HOLDFAST_BIN, 'run', '--control', control];
  for (const s of cfg.sockets) run.push('-l', `${s.name}=${s.spec}`);
  run.push('--ready-timeout', `${cfg.readyTimeoutMs}ms`, '--drain-timeout', `${cfg.drainTimeoutMs}ms`);
  if (cfg.workers !== undefined) run.push('--workers', String(cfg.workers));
  if (cfg.reloadStrategy !== undefined) run.push('--reload-strategy', cfg.reloadStrategy);
  if (cfg.maxExtra !== undefined) run.push('--max-extra', String(cfg.maxExtra));
  if (cfg.settleMs !== undefined) run.push('--settle', `${cfg.settleMs}ms`);
  if (cfg.watchdogMs !== undefined) run.push('--watchdog', `${cfg.watchdogMs}ms`);
  if (cfg.maxRestarts !== undefined) run.push('--max-restarts', String(cfg.maxRestarts));
  if (cfg.onFailed !== undefined) run.push('--on-failed', cfg.onFailed);
  if (cfg.health !== undefined) run.push('--health', describeHealth(cfg.health));
  if (cfg.shutdownDelayMs !== undefined) run.push('--shutdown-delay', `${cfg.shutdownDelayMs}ms`);
  for (const f of cfg.envFiles) run.push('--env-file', f);
  if (cfg.maxMemoryBytes !== undefined) run.push('--max-memory', String(cfg.maxMemoryBytes));
  if (cfg.killSignal !== undefined) run.push('--kill-signal', cfg.killSignal);
  if (cfg.standby !== undefined) run.push('--standby', String(cfg.standby));
  if (cfg.idleStartMs !== undefined) run.push('--idle-start', `${cfg.idleStartMs}ms`);
  if (cfg.warmup !== undefined) run.push('--warmup', cfg.warmup);
  if (cfg.warmup !== undefined && cfg.warmupCount !== undefined) run.push('--warmup-count', String(cfg.warmupCount));
  run.push('--', absCmd, ...args);
  const execReload = [process.execPath, HOLDFAST_BIN, 'reload', '--control', control];
  const units = renderUnits({ service, sockets: cfg.sockets, execStart: run, execReload, cwd: cfg.cwd, drainTimeoutMs: cfg.drainTimeoutMs + (cfg.shutdownDelayMs ?? 0) });
  // The control socket lives in the service's RuntimeDirectory (/run/<service>, mode 0700).
  const svc = units[units.length - 1];
  svc.content = svc.content.replace('KillMode=mixed', `RuntimeDirectory=${service}\nRuntimeDirectoryMode=0700\nKillMode=mixed`);
  return units;
}

/**
 * `holdfast unit`: print (or, with --out, write) the `.socket` and `.service` units that run this holder under
 * systemd with the same sockets, options and command.
 */
export function unitCommand(flags: UnitFlags, command: string[]): number {
  const units = unitsFor(flags, command);
  if (flags.out) {
    const dir = resolve(flags.out);
    mkdirSync(dir, { recursive: true });
    for (const u of units) {
      writeFileSync(join(dir, u.name), u.content);
      process.stdout.write(`wrote ${join(dir, u.name)}\n`);
    }
    const svc = units[units.length - 1].name;
    process.stdout.write(`next: cp ${dir}/*.s* /etc/systemd/system/ && systemctl daemon-reload && systemctl enable --now ${units.slice(0, -1).map((u) => u.name).join(' ')} ${svc}\n`);
  } else {
    process.stdout.write(units.map((u) => `# ${u.name}\n${u.content}`).join('\n'));
  }
  return EXIT.OK;
}

function describeHealth(a: { host: string; port: number }): string {
  return a.host.includes(':') ? `tcp://[${a.host}]:${a.port}` : `tcp://${a.host}:${a.port}`;
}
