// Which commands get the register hook in NODE_OPTIONS, and which are wrappers whose child may adopt the fds.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandKind, withPreload } from '../src/preload.js';

const dir = mkdtempSync(join(tmpdir(), 'holdfast-preload-'));
function script(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, body);
  chmodSync(p, 0o755);
  return p;
}

describe('commandKind', () => {
  it('node itself', () => expect(commandKind(process.execPath, dir, process.env).kind).toBe('node'));
  it('a #!/usr/bin/env node script (npm, tsx, next, an app) is a wrapper', () => {
    expect(commandKind(script('cli', '#!/usr/bin/env node\nconsole.log(1)\n'), dir, process.env).kind).toBe('wrapper');
  });
  it('shells and shell scripts are wrappers', () => {
    expect(commandKind('sh', dir, process.env).kind).toBe('wrapper');
    expect(commandKind(script('start.sh', '#!/bin/sh\nexec node app.js\n'), dir, process.env).kind).toBe('wrapper');
  });
  it('anything else is left alone', () => {
    expect(commandKind(script('app.py', '#!/usr/bin/env python3\n'), dir, process.env).kind).toBe('other');
    expect(commandKind('no-such-command-here', dir, process.env).kind).toBe('other');
  });
  it('process managers that restart the app themselves are named with the command to run instead', () => {
    const k = commandKind(script('nodemon', '#!/usr/bin/env node\n'), dir, process.env);
    expect(k.kind).toBe('other');
    expect(k.problem).toMatch(/holdfast dev -l NAME=SPEC -- node app\.js/);
  });
});

describe('withPreload', () => {
  const opts = { registerPath: '/opt/app/node_modules/@holdfast/http-adapter/dist/register.js' };
  it('appends --import with a file URL to the user\'s NODE_OPTIONS, once', () => {
    const env = withPreload({ NODE_OPTIONS: '--max-old-space-size=512' }, { kind: 'node' }, opts);
    expect(env.NODE_OPTIONS).toBe('--max-old-space-size=512 --import=file:///opt/app/node_modules/@holdfast/http-adapter/dist/register.js');
    expect(withPreload(env, { kind: 'node' }, opts).NODE_OPTIONS).toBe(env.NODE_OPTIONS);
    expect(env.HOLDFAST_WRAPPER).toBeUndefined();
  });
  it('marks wrappers, strict mode and wait-ready', () => {
    const env = withPreload({}, { kind: 'wrapper' }, { ...opts, strict: true, waitReady: true });
    expect(env).toMatchObject({ HOLDFAST_WRAPPER: '1', HOLDFAST_STRICT: '1', HOLDFAST_WAIT_READY: '1' });
  });
  it('leaves other commands untouched', () => {
    const base = { PATH: '/bin' };
    expect(withPreload(base, { kind: 'other' }, opts)).toBe(base);
  });
});
