// randomHex (random-id.ts): names for abstract AF_UNIX addresses, read from /dev/urandom without node:crypto.
import { describe, expect, it } from 'vitest';
import { randomHex } from '../src/random-id.js';

describe('randomHex', () => {
  it('returns 2 * bytes lowercase hex digits, different each call', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const id = randomHex(6);
      expect(id).toMatch(/^[0-9a-f]{12}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(200);
    expect(randomHex(1)).toMatch(/^[0-9a-f]{2}$/);
    expect(randomHex(300)).toMatch(/^[0-9a-f]{600}$/);
  });

  it('rejects a byte count that is not an integer from 1 to 65536, naming the value', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 65537]) {
      expect(() => randomHex(bad)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', message: expect.stringContaining(String(bad)) }));
    }
  });

  it('does not load node:crypto', async () => {
    const { spawnSync } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    // Runs against the compiled dist/ (the root `pnpm test` builds first): a child process, to see what it loads.
    const dist = fileURLToPath(new URL('../dist/random-id.js', import.meta.url));
    const r = spawnSync(process.execPath, ['--input-type=module', '-e',
      `const { randomHex } = await import(${JSON.stringify(dist)}); randomHex(6); console.log(process.moduleLoadList.some((m) => m === 'NativeModule crypto'))`], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('false');
  });
});
