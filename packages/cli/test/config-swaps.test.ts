// --standby, --warmup, --warmup-count: flags and config keys checked at the edge, and what workers get.
import { describe, expect, it } from 'vitest';
import { resolveSwaps, validateSwapsKey, warmupEnv } from '../src/config-swaps.js';

describe('config-swaps', () => {
  it('resolves flags over the file and hands the warm-up to workers as HOLDFAST_WARMUP(_COUNT)', () => {
    const c = resolveSwaps({ standby: '2', warmup: '/, GET /health' }, { warmupCount: 50, standby: 1 });
    expect(c).toEqual({ standby: 2, warmup: '/,GET /health', warmupCount: 50 });
    expect(warmupEnv(c)).toEqual({ HOLDFAST_WARMUP: '/,GET /health', HOLDFAST_WARMUP_COUNT: '50' });
    expect(warmupEnv(resolveSwaps({}, {}))).toEqual({});
  });

  it('refuses bad values naming the flag, the value and what is expected', () => {
    expect(() => resolveSwaps({ standby: '65' }, {})).toThrow(/--standby must be a whole number of warm standby workers, 0 to 64; got "65"/);
    expect(() => resolveSwaps({ warmup: 'health' }, {})).toThrow(/--warmup must be warm-up requests like/);
    expect(() => resolveSwaps({ warmupCount: '0' }, {})).toThrow(/--warmup-count must be/);
    // A count with no requests would do nothing: said, not ignored.
    expect(() => resolveSwaps({ warmupCount: '5' }, {})).toThrow(/--warmup-count is 5 but no warm-up requests are given, so it would do nothing; add --warmup/);
    expect(() => resolveSwaps({}, { warmupCount: 5 })).toThrow(/the config file's "warmupCount" is 5 but no warm-up requests/);
    const out = {};
    expect(() => validateSwapsKey('standby', -1, out, (e) => new Error(`standby: ${e}`))).toThrow(/standby: a whole number/);
    validateSwapsKey('warmup', 'POST /x', out, (e) => new Error(e));
    expect(out).toEqual({ warmup: 'POST /x' });
  });
});
