// Packs the publishable packages with `pnpm pack` (as a release would: prepack builds the native prebuild for this
// machine if it is older than its sources) and unpacks them, for the pack and container suites.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './holdfast.js';

/** The packages published to npm, in dependency order. */
export const PUBLISHED = ['native', 'core', 'http-adapter', 'cli'] as const;
export type Published = (typeof PUBLISHED)[number];

export interface Packed {
  /** Directory name under packages/. */
  dir: Published;
  /** '@holdfast/native'. */
  name: string;
  version: string;
  /** Absolute path of the .tgz. */
  tarball: string;
  bytes: number;
  /** The unpacked package (its `package/` folder). */
  unpacked: string;
  /** Every file in the tarball, relative to package/. */
  files: string[];
}

/**
 * `pnpm pack` each published package into `dest` and unpack it into `dest/<dir>/package`. Needs `pnpm run build`
 * first (dist/ is packed as it is).
 */
export function packAll(dest: string): Packed[] {
  mkdirSync(dest, { recursive: true });
  return PUBLISHED.map((dir) => {
    const pkgDir = join(ROOT, 'packages', dir);
    const { name, version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { name: string; version: string };
    execFileSync('pnpm', ['pack', '--pack-destination', dest], { cwd: pkgDir, stdio: ['ignore', 'pipe', 'pipe'] });
    const tarball = join(dest, `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`);
    const unpackTo = join(dest, dir);
    mkdirSync(unpackTo, { recursive: true });
    execFileSync('tar', ['xzf', tarball, '-C', unpackTo]);
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n').filter((f) => f && !f.endsWith('/')).map((f) => f.replace(/^package\//, '')).sort();
    return { dir, name, version, tarball, bytes: statSync(tarball).size, unpacked: join(unpackTo, 'package'), files };
  });
}
