// The holder's V8 flags (holder-v8-flags.ts) apply to `run` and `dev` only, and never reach a worker.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { applyHolderV8Flags, HOLDER_V8_FLAGS } from '../src/holder-v8-flags.js';

const applied = (...args: string[]) => {
  const set: string[] = [];
  const ret = applyHolderV8Flags([process.execPath, '/usr/bin/holdfast', ...args], (f) => set.push(f));
  return { ret, set };
};

describe('applyHolderV8Flags', () => {
  it('sets every flag for the holder commands run and dev', () => {
    for (const cmd of ['run', 'dev']) {
      const { ret, set } = applied(cmd, '-l', 'http=tcp://127.0.0.1:0', '--', 'node', 'app.js');
      expect(set).toEqual(HOLDER_V8_FLAGS);
      expect(ret).toEqual(HOLDER_V8_FLAGS);
    }
    expect(HOLDER_V8_FLAGS).toContain('--no-opt');
  });

  it('leaves V8 alone for client commands, help and no command', () => {
    for (const args of [['status'], ['reload'], ['stop'], ['metrics'], ['logs'], ['unit'], ['--help'], ['-V'], [], ['status', 'run']]) {
      expect(applied(...args)).toEqual({ ret: [], set: [] });
    }
  });

  it('the flags stay in the holder: a child (a worker) is started with no node or V8 option and no NODE_OPTIONS', () => {
    // The holder applies the flags with v8.setFlagsFromString, then spawns a node worker as it does (its own
    // environment, the user's command); the worker reports what it was started with.
    const worker = 'process.stdout.write(JSON.stringify({ options: process.execArgv.filter((a) => a.startsWith("--")), nodeOptions: process.env.NODE_OPTIONS ?? null }))';
    const holder = `for (const f of ${JSON.stringify(HOLDER_V8_FLAGS)}) require('node:v8').setFlagsFromString(f);
      const r = require('node:child_process').spawnSync(process.execPath, ['-e', ${JSON.stringify(worker)}], { encoding: 'utf8' });
      process.stdout.write(JSON.stringify({ holderOptions: process.execArgv.filter((a) => a.startsWith('--')), worker: JSON.parse(r.stdout) }));`;
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const r = spawnSync(process.execPath, ['-e', holder], { encoding: 'utf8', env });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ holderOptions: [], worker: { options: [], nodeOptions: null } });
  });
});
