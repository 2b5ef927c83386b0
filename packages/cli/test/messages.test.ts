// What a user reads: the `*` of `holdfast status` and the hint for a config file that is not valid JSON.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isServing } from '../src/status-command.js';
import { jsonErrorAt, locateConfig } from '../src/config-file.js';

describe('holdfast status marks every serving worker', () => {
  it('marks ready workers of an older generation beside the newer one (crash restart with --workers 2)', () => {
    const workers = [{ generation: 1, state: 'ready' }, { generation: 2, state: 'ready' }, { generation: 3, state: 'starting' },
      { generation: 2, state: 'ready', standby: true }, { generation: 1, state: 'draining' }];
    expect(workers.map(isServing)).toEqual([true, true, false, false, false]);
  });
});

describe('a config file that is not valid JSON', () => {
  it('gets a hint naming the file, the line and the column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'holdfast-json-'));
    const file = join(dir, 'holdfast.config.json');
    writeFileSync(file, '{\n  "workers": 2,\n}\n');
    let err: { code?: string; hint?: string } = {};
    try { locateConfig(dir); } catch (e) { err = e as typeof err; }
    expect(err.code).toBe('ERR_HOLDFAST_INVALID_OPTION');
    expect(err.hint).toContain(`Fix ${file} at line 3, column 1 (PropertyNameExpected)`);
  });

  it('finds the position where V8 gives none, and at the end of a truncated file', () => {
    expect(jsonErrorAt('{ "command": [ }')).toBe('line 1, column 16 (ValueExpected)');
    expect(jsonErrorAt('{\n"a": 1')).toBe('line 2, column 7 (CloseBraceExpected)');
    expect(jsonErrorAt('// note\n{}')).toBe('line 1, column 1 (InvalidCommentToken)');
  });
});
