// docs/errors.md documents every error code the packages can raise, and nothing else.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { ERROR_CODES } from '@holdfast/core';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const codesIn = (text: string) => new Set(text.match(/ERR_HOLDFAST_[A-Z_]+/g) ?? []);

function sourceCodes(pkg: string): Set<string> {
  const dir = join(root, 'packages', pkg, 'src');
  const all = new Set<string>();
  for (const f of readdirSync(dir)) if (f.endsWith('.ts')) for (const c of codesIn(readFileSync(join(dir, f), 'utf8'))) all.add(c);
  return all;
}

it('every code raised in packages/*/src is documented, and every documented code exists', () => {
  const doc = codesIn(readFileSync(join(root, 'docs/errors.md'), 'utf8'));
  const raised = new Set([...Object.keys(ERROR_CODES), ...sourceCodes('core'), ...sourceCodes('http-adapter'), ...sourceCodes('cli'), ...sourceCodes('native')]);
  expect([...raised].filter((c) => !doc.has(c)).sort()).toEqual([]);
  expect([...doc].filter((c) => !raised.has(c)).sort()).toEqual([]);
});

it('every core code has a hint', () => {
  for (const [code, hint] of Object.entries(ERROR_CODES)) expect(hint.length, code).toBeGreaterThan(20);
});
