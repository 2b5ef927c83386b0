import { describe, expect, it } from 'vitest';
import { parseDuration, parseListen, parseSpec } from '@holdfast/core';

describe('parseSpec', () => {
  it.each([
    ['tcp://127.0.0.1:8080', { family: 'inet', type: 'stream', host: '127.0.0.1', port: 8080, backlog: 4096 }],
    ['tcp://:8080', { family: 'inet', host: '0.0.0.0', port: 8080 }],
    ['tcp://localhost:1', { family: 'inet', host: '127.0.0.1', port: 1 }],
    ['tcp://[::1]:8080', { family: 'inet6', type: 'stream', host: '::1', port: 8080 }],
    ['tcp://[::]:80?v6only=false&backlog=128', { family: 'inet6', v6only: false, backlog: 128 }],
    ['udp://0.0.0.0:5353', { family: 'inet', type: 'dgram', port: 5353, receiveBuffer: 2 * 1024 * 1024 }],
    ['udp://127.0.0.1:53?rcvbuf=4M&sndbuf=64K', { receiveBuffer: 4 * 1024 * 1024, sendBuffer: 64 * 1024 }],
    ['unix:/run/app.sock', { family: 'unix', type: 'stream', path: '/run/app.sock' }],
    ['unix:@app', { family: 'unix', type: 'stream', path: '@app' }],
  ])('%s', (spec, expected) => {
    expect(parseSpec(spec)).toMatchObject(expected);
  });

  it.each([
    ['http://x:1', /unknown scheme "http"/],
    ['tcp://127.0.0.1', /expected HOST:PORT/],
    ['tcp://127.0.0.1:70000', /port must be 0..65535/],
    ['tcp://example.com:80', /numeric IPv4/],
    ['tcp://[zz]:80', /not an IPv6 address/],
    ['unix:', /unix:\/absolute\/path/],
    ['unix:relative.sock', /must be absolute/],
    [`unix:/${'x'.repeat(120)}`, /at most 107/],
    ['tcp://127.0.0.1:1?backlog=-1', /backlog must be a positive integer/],
    ['udp://127.0.0.1:1?backlog=5', /backlog applies to stream sockets only/],
    ['udp://127.0.0.1:1?rcvbuf=lots', /rcvbuf must be a size/],
    ['tcp://127.0.0.1:1?v6only=true', /v6only applies to IPv6/],
    ['tcp://127.0.0.1:1?colour=red', /unknown option "colour"; expected backlog, rcvbuf, sndbuf or v6only/],
  ])('rejects %s', (spec, message) => {
    expect(() => parseSpec(spec)).toThrow(message);
    try { parseSpec(spec); } catch (err) { expect((err as { code: string }).code).toBe('ERR_HOLDFAST_INVALID_SPEC'); }
  });
});

describe('parseListen', () => {
  it('splits NAME=SPEC', () => {
    expect(parseListen('http=tcp://127.0.0.1:80')).toMatchObject({ name: 'http', spec: 'tcp://127.0.0.1:80' });
  });
  it.each(['tcp://127.0.0.1:80', '=tcp://1.2.3.4:1', 'a:b=tcp://1.2.3.4:1'])('rejects %s', (input) => {
    expect(() => parseListen(input)).toThrow(/NAME=SPEC|must be 1-255/);
  });
});

describe('parseDuration', () => {
  it.each([['250ms', 250], ['30s', 30_000], ['1.5s', 1500], ['2m', 120_000], ['5000', 5000], [42, 42]] as const)('%s', (v, ms) => {
    expect(parseDuration(v, '--x')).toBe(ms);
  });
  it.each(['soon', '-1s', '10 parsecs', ''])('rejects %s naming the option', (v) => {
    expect(() => parseDuration(v, '--ready-timeout')).toThrow(/--ready-timeout must be a duration/);
  });
});
