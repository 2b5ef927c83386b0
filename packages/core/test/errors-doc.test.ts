// docs/errors.md has one section per package whose tables list exactly that package's error and warning registries,
// with the same exit codes and HTTP statuses; and every code a package's source raises or logs is in a registry it
// may use (its own, or for the CLI the holder's errors it raises through HoldfastError).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NATIVE_ERRORS, type ErrorDefinition } from '../../native/src/index.js';
import { CORE_ERRORS } from '../src/errors.js';
import { CORE_WARNINGS } from '../src/warnings.js';
import { ADAPTER_ERRORS, ADAPTER_WARNINGS } from '../../http-adapter/src/errors.js';
import { CLI_ERRORS, CLI_WARNINGS } from '../../cli/src/errors.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const doc = readFileSync(join(root, 'docs/errors.md'), 'utf8');

/** The rows of the first table in the section whose heading names `pkg`: code → [exit code, HTTP status]. */
function section(pkg: string): Map<string, string[]> {
  const start = doc.search(new RegExp(`^## .*\`${pkg}\``, 'm'));
  expect(start, `a section for ${pkg}`).toBeGreaterThanOrEqual(0);
  const end = doc.indexOf('\n## ', start + 1);
  const rows = new Map<string, string[]>();
  for (const line of doc.slice(start, end < 0 ? undefined : end).split('\n')) {
    const m = /^\| `((?:ERR|WARN)_[A-Z_]+)` \|.*\|$/.exec(line);
    if (!m) continue;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    rows.set(m[1]!, cells.slice(2));
  }
  return rows;
}

function codesRaisedIn(pkg: string): Set<string> {
  const dir = join(root, 'packages', pkg, 'src');
  const all = new Set<string>();
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.ts')) for (const c of readFileSync(join(dir, f), 'utf8').match(/'((?:ERR|WARN)_HOLDFAST_[A-Z_]+)'/g) ?? []) all.add(c.slice(1, -1));
  }
  return all;
}

type Registry = Readonly<Record<string, { hint: string }>>;

/** [package, directory, its errors, its warnings (documented in its section), other codes its source may raise]. */
const PACKAGES: [string, string, Readonly<Record<string, ErrorDefinition>>, Registry, Registry][] = [
  ['@holdfast/native', 'native', NATIVE_ERRORS, {}, {}],
  ['@holdfast/core', 'core', CORE_ERRORS, CORE_WARNINGS, {}],
  ['@holdfast/http-adapter', 'http-adapter', ADAPTER_ERRORS, ADAPTER_WARNINGS, {}],
  ['@holdfast/cli', 'cli', CLI_ERRORS, CLI_WARNINGS, CORE_ERRORS],
];

describe.each(PACKAGES)('%s', (pkg, dir, registry, warnings, alsoRaised) => {
  it('its section lists every code of its registries (errors with their exit code and HTTP status), and nothing else', () => {
    const rows = section(pkg);
    const expected = new Map(Object.entries(registry).map(([code, d]) => [code, [String(d.exitCode), d.httpStatus === undefined ? '' : String(d.httpStatus)]]));
    for (const code of Object.keys(warnings)) expected.set(code, []);
    const got = new Map([...rows].map(([code, cells]) => [code, code.startsWith('WARN_') ? [] : cells]));
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(expected));
  });

  it('every code its source raises or logs is in a registry it may use', () => {
    const known = new Set([...Object.keys(registry), ...Object.keys(warnings), ...Object.keys(alsoRaised)]);
    expect([...codesRaisedIn(dir)].filter((c) => !known.has(c)).sort()).toEqual([]);
  });

  it('every warning code is WARN_HOLDFAST_* and used in its source', () => {
    const used = codesRaisedIn(dir);
    for (const code of Object.keys(warnings)) {
      expect(code).toMatch(/^WARN_HOLDFAST_[A-Z_]+$/);
      expect(used.has(code), `${code} is logged somewhere in packages/${dir}/src`).toBe(true);
    }
  });

  it('every code has a hint that says what to do', () => {
    for (const [code, d] of [...Object.entries(registry), ...Object.entries(warnings)]) expect(d.hint.length, code).toBeGreaterThan(20);
  });
});
