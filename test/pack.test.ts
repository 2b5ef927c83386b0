// The published packages as npm would get them: `pnpm pack` of each, unpacked and checked file by file.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packAll, type Packed } from './helpers/pack.js';

interface Manifest {
  name: string;
  version: string;
  license?: string;
  os?: string[];
  main?: string;
  types?: string;
  bin?: Record<string, string>;
  exports?: Record<string, Record<string, string>>;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const dest = mkdtempSync(join(tmpdir(), 'holdfast-pack-'));
let packed: Packed[] = [];
const manifest = (p: Packed): Manifest => JSON.parse(readFileSync(join(p.unpacked, 'package.json'), 'utf8')) as Manifest;

beforeAll(() => {
  packed = packAll(dest);
  for (const p of packed) console.log(`${p.name}: ${p.bytes} bytes packed, ${p.files.length} files`);
}, 240_000);
afterAll(() => rmSync(dest, { recursive: true, force: true }));

describe('pnpm pack of each published package', () => {
  it('packs four tarballs, each with package.json, README.md, an MIT LICENSE and dist/index.{js,d.ts}', () => {
    expect(packed.map((p) => p.name)).toEqual(['@holdfast/native', '@holdfast/core', '@holdfast/http-adapter', '@holdfast/cli']);
    for (const p of packed) {
      expect(p.files, p.name).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']));
      expect(readFileSync(join(p.unpacked, 'LICENSE'), 'utf8'), p.name).toMatch(/^MIT License/);
      expect(manifest(p).license, p.name).toBe('MIT');
    }
  });

  it('carries no tests, no TypeScript sources, no source maps and no build leftovers', () => {
    for (const p of packed) {
      const allowed = (f: string) =>
        ['package.json', 'README.md', 'LICENSE'].includes(f) ||
        (f.startsWith('dist/') && (f.endsWith('.js') || f.endsWith('.d.ts'))) ||
        (p.dir === 'cli' && f.startsWith('bin/')) ||
        (p.dir === 'native' && (f === 'binding.gyp' || f.startsWith('csrc/') || f.startsWith('prebuilds/') || f === 'scripts/install.cjs'));
      expect(p.files.filter((f) => !allowed(f)), p.name).toEqual([]);
      expect(p.files.filter((f) => /(^|\/)(test|src)\/|\.test\.|\.tsbuildinfo$|\.map$|(^|\/)build\//.test(f)), p.name).toEqual([]);
    }
  });

  it('native carries the linux-x64 prebuilds: an ELF N-API addon and holdfast-exec, tagged glibc', () => {
    const native = packed.find((p) => p.dir === 'native')!;
    const addon = join(native.unpacked, 'prebuilds/linux-x64/holdfast_native.glibc.node');
    const helper = join(native.unpacked, 'prebuilds/linux-x64/holdfast-exec.glibc');
    expect(readFileSync(addon).subarray(0, 4)).toEqual(Buffer.from('\x7fELF', 'latin1'));
    expect(readFileSync(helper).subarray(0, 4)).toEqual(Buffer.from('\x7fELF', 'latin1'));
    // pnpm pack stores every file as 0644: the install script makes holdfast-exec executable again (the
    // container suite runs it from an npm install).
    // Sources for the build-from-source fallback, and an install script that needs no compiler when a prebuild matches.
    expect(native.files).toEqual(expect.arrayContaining(['binding.gyp', 'csrc/addon.cc', 'csrc/exec.c', 'scripts/install.cjs']));
    expect(manifest(native).scripts?.install).toBe('node scripts/install.cjs');
    expect(manifest(native).dependencies).toHaveProperty('node-gyp-build');
  });

  it('main, types, every exports target and every bin resolve inside the unpacked package', () => {
    for (const p of packed) {
      const m = manifest(p);
      const targets = [m.main, m.types, ...Object.values(m.exports ?? {}).flatMap((e) => Object.values(e))].filter((t): t is string => typeof t === 'string');
      expect(targets.length, p.name).toBeGreaterThan(2);
      for (const t of targets) expect(existsSync(join(p.unpacked, t)), `${p.name}: ${t}`).toBe(true);
      for (const [cmd, file] of Object.entries(m.bin ?? {})) {
        const text = readFileSync(join(p.unpacked, file), 'utf8');
        expect(text.startsWith('#!/usr/bin/env node'), `${p.name} bin ${cmd}`).toBe(true);
        for (const [, rel] of text.matchAll(/from '(\.[^']+)'/g)) expect(existsSync(join(p.unpacked, file, '..', rel!)), `${cmd} imports ${rel}`).toBe(true);
      }
    }
    expect(Object.keys(manifest(packed.find((p) => p.dir === 'cli')!).bin ?? {})).toEqual(['holdfast']);
  });

  it('workspace:* dependencies became the real versions', () => {
    for (const p of packed) {
      const m = manifest(p);
      for (const [dep, range] of Object.entries({ ...m.dependencies, ...m.optionalDependencies })) {
        expect(range, `${p.name} -> ${dep}`).not.toMatch(/^workspace:/);
        if (dep.startsWith('@holdfast/')) expect(range, `${p.name} -> ${dep}`).toBe(packed.find((q) => q.name === dep)!.version);
      }
    }
  });

  it('the holder packages are Linux-only; the adapter and native (its protocol module) install on any OS', () => {
    const os = Object.fromEntries(packed.map((p) => [p.dir, manifest(p).os]));
    expect(os).toEqual({ native: undefined, core: ['linux'], 'http-adapter': undefined, cli: ['linux'] });
  });
});
