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
    ['unix-dgram:/run/log.sock', { family: 'unix', type: 'dgram', path: '/run/log.sock' }],
    ['unix-seqpacket:@sp?backlog=16', { family: 'unix', type: 'seqpacket', path: '@sp', backlog: 16 }],
    ['unix:/run/a.sock?mode=0660&passcred=true', { family: 'unix', mode: 0o660, passCredentials: true }],
    ['tcp://127.0.0.1:1?freebind=1&transparent=yes&mark=7', { freeBind: true, transparent: true, mark: 7 }],
    ['tcp://[::1]:1?keepalive=true&keepalive-time=2m&keepalive-interval=10s&keepalive-count=3&nodelay=true&defer-accept=5',
      { family: 'inet6', keepAlive: true, keepAliveTime: 120, keepAliveInterval: 10, keepAliveCount: 3, noDelay: true, deferAccept: 5 }],
    ['udp://[::]:1?v6only=false&freebind=on', { family: 'inet6', type: 'dgram', v6only: false, freeBind: true }],
    ['netlink:kobject-uevent:1', { family: 'netlink', type: 'raw', protocol: 15, groups: 1 }],
    ['netlink:2?rcvbuf=1M', { family: 'netlink', protocol: 2, groups: 0, receiveBuffer: 1024 * 1024 }],
  ])('%s', (spec, expected) => {
    const parsed = parseSpec(spec);
    expect(parsed.kind).toBe('socket');
    expect(parsed.open).toMatchObject(expected);
  });

  it.each([
    ['fifo:/run/app.fifo?mode=0600&dir-mode=0700&remove-on-stop=false', { kind: 'fifo', path: '/run/app.fifo', mode: 0o600, directoryMode: 0o700, removeOnStop: false }],
    ['fifo:./x.fifo?user=root&group=0', { kind: 'fifo', path: './x.fifo', user: 'root', group: '0', removeOnStop: true }],
    ['mqueue:/jobs?maxmsg=10&msgsize=256&mode=0600', { kind: 'mqueue', path: '/jobs', maxMessages: 10, messageSize: 256, mode: 0o600 }],
    ['special:/dev/urandom', { kind: 'special', path: '/dev/urandom' }],
    ['special:/dev/ttyS0?writable=true', { kind: 'special', writable: true }],
    ['unix:/run/x/a.sock?user=www-data&dir-mode=0750&remove-on-stop=no', { kind: 'socket', user: 'www-data', directoryMode: 0o750, removeOnStop: false }],
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
    ['tcp://127.0.0.1:1?backlog=-1', /backlog must be an integer 1..2147483647; got "-1"/],
    ['udp://127.0.0.1:1?backlog=5', /backlog \(Backlog=\) does not apply to udp; it applies to tcp, unix, unix-seqpacket/],
    ['udp://127.0.0.1:1?rcvbuf=lots', /rcvbuf must be a size/],
    ['tcp://127.0.0.1:1?v6only=true', /v6only applies to IPv6/],
    ['tcp://127.0.0.1:1?colour=red', /unknown option "colour"; tcp accepts backlog, v6only, freebind, transparent, keepalive, keepalive-time, keepalive-interval, keepalive-count, nodelay, defer-accept, rcvbuf, sndbuf, mark$/],
    ['udp://127.0.0.1:1?nodelay=true', /nodelay \(NoDelay=\) does not apply to udp; it applies to tcp; udp accepts v6only, freebind/],
    ['tcp://127.0.0.1:1?keepalive=maybe', /keepalive must be true or false; got "maybe"/],
    ['tcp://127.0.0.1:1?keepalive-time=-3', /keepalive-time must be whole seconds like 30, 30s or 2m/],
    ['tcp://127.0.0.1:1?keepalive-count=0', /keepalive-count must be an integer 1..127/],
    ['tcp://127.0.0.1:1?mark=x', /mark must be an integer 0..4294967295/],
    ['tcp://127.0.0.1:1?backlog=1&backlog=2', /option backlog is given twice/],
    ['unix-dgram:/x?backlog=3', /backlog \(Backlog=\) does not apply to unix-dgram/],
    ['unix:@x?mode=0600', /mode applies to a socket on a filesystem path, not to an abstract name/],
    ['unix:/x?mode=rw', /mode must be an octal mode like 0660/],
    ['unix:/x?user=a:b', /user must be a user name or a numeric id/],
    ['fifo:relative', /fifo path must be absolute/],
    ['fifo:@abstract', /fifo path must be absolute/],
    ['fifo:/x?backlog=1', /backlog \(Backlog=\) does not apply to fifo; .* fifo accepts mode, user, group, dir-mode, remove-on-stop$/],
    ['mqueue:jobs', /expected mqueue:\/name/],
    ['mqueue:/a/b', /expected mqueue:\/name/],
    ['mqueue:/q?maxmsg=10', /maxmsg and msgsize go together/],
    ['netlink:nosuch', /unknown netlink family "nosuch"; expected a number 0..31 or one of route, usersock/],
    ['netlink:', /expected netlink:FAMILY or netlink:FAMILY:GROUP/],
    ['special:/dev/null?mode=0600', /mode \(SocketMode=\) does not apply to special; .* special accepts writable$/],
    ['sctp://1.2.3.4:1', /unknown scheme "sctp"/],
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
  it('refuses what a timer cannot wait (Node would fire it after 1 ms) and values under the minimum', () => {
    expect(parseDuration('2147483647', '--x')).toBe(2 ** 31 - 1);
    expect(() => parseDuration('2147483648', '--drain-timeout')).toThrow(/--drain-timeout must be from 0 ms to 2147483647 ms/);
    expect(() => parseDuration('30d', '--x')).toThrow(/must be a duration/);
    expect(() => parseDuration('0', '--ready-timeout', 1)).toThrow(/--ready-timeout must be from 1 ms/);
  });
});
