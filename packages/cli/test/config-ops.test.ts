// The operations keys and flags (config-ops.ts) through config.ts's validation and merge, and the
// `status --check` exit codes.
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { resolveConfig, validateConfig } from '../src/config.js';
import { CORE_ERRORS } from '@holdfast/core';
import { CLI_ERRORS } from '../src/errors.js';
import { CHECK_EXIT, checkExitCode, EXIT } from '../src/exit-codes.js';

const cmd = ['node', 'server.mjs'];

describe('operations settings', () => {
  it('reads every key from the config file, paths relative to it', () => {
    const f = validateConfig({
      health: 'tcp://0.0.0.0:8081', shutdownDelay: '5s', onFailed: 'stay', envFile: ['app.env', '/etc/x.env'],
      env: { A: '1' }, maxMemory: '512M', killSignal: 'SIGINT', workers: 'max',
    }, 'holdfast.config.json', '/srv/app');
    expect(f).toMatchObject({
      health: { host: '0.0.0.0', port: 8081 }, shutdownDelayMs: 5000, onFailed: 'stay', envFiles: ['/srv/app/app.env', '/etc/x.env'],
      env: { A: '1' }, maxMemoryBytes: 512 * 1024 ** 2, killSignal: 'SIGINT', workers: Math.min(availableParallelism(), 1024),
    });
    expect(validateConfig({ envFile: 'one.env' }, 'f', '/d').envFiles).toEqual(['/d/one.env']);
  });

  it('refuses bad values naming the key, the value and what is expected', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ health: 'http://x' }, /"health" must be an address like "tcp:\/\/0\.0\.0\.0:8081".*; got "http:\/\/x"/],
      [{ shutdownDelay: 'soon' }, /"shutdownDelay" must be a duration like 5s.*; got "soon"/],
      [{ onFailed: 'restart' }, /"onFailed" must be one of exit, stay; got "restart"/],
      [{ envFile: [] }, /"envFile" must be a path or an array of paths/],
      [{ env: { 'A-B': 'x' } }, /"env" must be an object of KEY: "VALUE"/],
      [{ maxMemory: 'huge' }, /"maxMemory" must be a memory size like 512M or 1G; got "huge"/],
      [{ killSignal: 'SIGKILL' }, /"killSignal" must be a signal name like SIGTERM or SIGINT; got "SIGKILL"/],
      [{ workers: 'all' }, /"workers" must be a whole number of worker processes, 1 to 1024, or "max"/],
    ];
    for (const [raw, re] of cases) expect(() => validateConfig(raw, 'holdfast.config.json', '/d'), JSON.stringify(raw)).toThrow(re);
  });

  it('flags override the file, --env-file adds to its envFile; defaults stay undefined for the command to choose', () => {
    const plain = resolveConfig({}, cmd, {}, '/nonexistent-dir-for-test');
    expect(plain).toMatchObject({ health: undefined, shutdownDelayMs: undefined, onFailed: undefined, envFiles: [], env: {}, maxMemoryBytes: undefined, killSignal: undefined });
    const c = resolveConfig({ health: 'tcp://127.0.0.1:0', shutdownDelay: '2s', onFailed: 'exit', envFile: ['a.env', 'b.env'], maxMemory: '1G', killSignal: 'int', workers: 'max' }, cmd, {}, '/w');
    expect(c).toMatchObject({ health: { host: '127.0.0.1', port: 0 }, shutdownDelayMs: 2000, onFailed: 'exit', envFiles: ['/w/a.env', '/w/b.env'], maxMemoryBytes: 1024 ** 3, killSignal: 'SIGINT' });
    expect(c.workers).toBe(Math.min(availableParallelism(), 1024));
    expect(() => resolveConfig({ onFailed: 'never' }, cmd, {}, '/w')).toThrow(/--on-failed must be one of exit, stay; got "never"/);
    expect(() => resolveConfig({ killSignal: 'SIGSTOP' }, cmd, {}, '/w')).toThrow(/--kill-signal must be a signal a worker can catch/);
    expect(() => resolveConfig({ workers: '0' }, cmd, {}, '/w')).toThrow(/--workers must be a whole number from 1 to 1024 or max \(one per CPU\); got "0"/);
  });
});

it('status --check: 0 when ready, else one code per state', () => {
  expect(checkExitCode('running', true)).toBe(EXIT.OK);
  expect(checkExitCode('restarting', true)).toBe(0); // another worker still serves
  expect([checkExitCode('starting', false), checkExitCode('restarting', false), checkExitCode('failed', false), checkExitCode('stopping', false), checkExitCode('stopped', false)])
    .toEqual([7, 8, 1, 9, 9]);
  // No --check code is an error's exit code, so a script can tell "starting" from "bad usage" or "no holder".
  const errorCodes = new Set<number>([...Object.values(CORE_ERRORS), ...Object.values(CLI_ERRORS)].map((e) => e.exitCode));
  for (const c of Object.values(CHECK_EXIT)) expect(errorCodes.has(c), String(c)).toBe(false);
  expect(new Set(Object.values(CHECK_EXIT)).size).toBe(3);
  expect(checkExitCode('failed', false)).toBe(EXIT.FAILED);
});
