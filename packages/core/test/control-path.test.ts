// The default control socket path (control-path.ts): one per working directory, named by FNV-1a 64 of the path.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultControlPath, fnv1a64Hex } from '../src/control-path.js';

const runtime = mkdtempSync(join(tmpdir(), 'hf-control-path-'));
afterAll(() => rmSync(runtime, { recursive: true, force: true }));
const env = { XDG_RUNTIME_DIR: runtime };

describe('fnv1a64Hex', () => {
  it('matches the published FNV-1a 64-bit test vectors, as 16 hex digits', () => {
    expect(fnv1a64Hex('')).toBe('cbf29ce484222325');
    expect(fnv1a64Hex('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64Hex('foobar')).toBe('85944171f73967e8');
  });

  it('hashes the UTF-8 bytes (a non-ASCII path is not its UTF-16 code units)', () => {
    expect(fnv1a64Hex('/srv/é')).not.toBe(fnv1a64Hex('/srv/\u00e9'.normalize('NFD')));
    expect(fnv1a64Hex('/srv/é')).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('defaultControlPath', () => {
  it('is <runtime dir>/holdfast-<uid>/<16 hex>.sock, the same for the same directory and different for another', () => {
    const a = defaultControlPath('/srv/app', env);
    expect(a).toBe(join(runtime, `holdfast-${process.getuid!()}`, `${fnv1a64Hex('/srv/app')}.sock`));
    expect(defaultControlPath('/srv/app/../app', env)).toBe(a);
    expect(defaultControlPath('/srv/other', env)).not.toBe(a);
  });

  it('$HOLDFAST_CONTROL wins, resolved against the directory', () => {
    expect(defaultControlPath('/srv/app', { ...env, HOLDFAST_CONTROL: 'run/c.sock' })).toBe('/srv/app/run/c.sock');
  });
});
