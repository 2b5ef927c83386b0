// Bad start-up input: a clear message naming the input, a distinct exit code, nothing half-started.
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { fixture, runCli } from './helpers/holdfast.js';

const node = process.execPath;

it.each([
  ['malformed spec', ['-l', 'http=tcp://nowhere'], 2, /invalid socket "tcp:\/\/nowhere": expected HOST:PORT/],
  ['unknown scheme', ['-l', 'http=sctp://127.0.0.1:1'], 2, /unknown scheme "sctp"/],
  ['bad duration', ['-l', 'http=tcp://127.0.0.1:0', '--ready-timeout', 'soon'], 2, /--ready-timeout must be a duration/],
  ['unknown option', ['--colour', 'red', '-l', 'http=tcp://127.0.0.1:0'], 2, /unknown option '--colour'/],
  ['command not found', ['-l', 'http=tcp://127.0.0.1:0'], 4, /command "no-such-command-xyz" was not found on PATH/, ['no-such-command-xyz']],
  ['duration beyond what a timer can wait', ['-l', 'http=tcp://127.0.0.1:0', '--drain-timeout', '3000000000'], 2, /--drain-timeout must be from 0 ms to 2147483647 ms/],
  ['a wildcard and a specific address on one port', ['-l', 'a=tcp://0.0.0.0:47123', '-l', 'b=tcp://127.0.0.1:47123'], 2, /--listen a=tcp:\/\/0\.0\.0\.0:47123 and --listen b=tcp:\/\/127\.0\.0\.1:47123 overlap: .* every IPv4 address/],
  ['a dual-stack [::] and an IPv4 address on one UDP port', ['-l', 'a=udp://127.0.0.1:47123', '-l', 'b=udp://[::]:47123?v6only=false'], 2, /--listen b=udp:\/\/\[::\]:47123\?v6only=false and --listen a=udp:\/\/127\.0\.0\.1:47123 overlap: .* every IPv4 and IPv6 address/],
  ['zero ready timeout', ['-l', 'http=tcp://127.0.0.1:0', '--ready-timeout', '0'], 2, /--ready-timeout must be from 1 ms/],
  ['missing working directory', ['-l', 'http=tcp://127.0.0.1:0', '--cwd', '/nonexistent-holdfast-dir'], 2, /--cwd "\/nonexistent-holdfast-dir" is not a directory/],
  ['permission denied / bad path', ['-l', 'http=unix:/proc/holdfast.sock'], 3, /cannot open socket "http" \(unix:\/proc\/holdfast.sock\)/],
])('%s', async (_name, args, code, message, command = [node, fixture('ok-app.mjs')]) => {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-input-'));
  const control = join(dir, 'c.sock');
  const r = await runCli(['run', '--control', control, ...(args as string[]), '--', ...(command as string[])], { env: { HOLDFAST_LOG_FORMAT: 'json' } });
  expect(r.out).toMatch(message as RegExp);
  expect(r.code).toBe(code);
  expect(existsSync(control)).toBe(false);
});

it('port in use: exit 3 naming the socket and EADDRINUSE', async () => {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-input-'));
  const r = await runCli(['run', '--control', join(dir, 'c.sock'), '-l', `web=tcp://127.0.0.1:${port}`, '--', node, fixture('ok-app.mjs')], { env: { HOLDFAST_LOG_FORMAT: 'json' } });
  srv.close();
  expect(r.code).toBe(3);
  expect(r.out).toMatch(new RegExp(`socket "web".*EADDRINUSE 127.0.0.1:${port}`));
});

it('two holders started at once on one control socket: the loser exits 6 with a message, the winner serves', async () => {
  for (let trial = 0; trial < 3; trial++) {
    const dir = mkdtempSync(join(tmpdir(), 'holdfast-race-'));
    const control = join(dir, 'c.sock');
    const start = () => runCli(['run', '--control', control, '-l', 'http=tcp://127.0.0.1:0', '--', node, fixture('crash-on-start.mjs')],
      { env: { HOLDFAST_LOG_FORMAT: 'json' } });
    const a = start();
    const b = start();
    const first = await Promise.race([a, b]);
    expect(first.code, first.out).toBe(6);
    expect(first.out).toMatch(/control socket .* is in use by another holdfast/);
    expect(first.out).not.toMatch(/\n\s+at /); // no stack trace
    await runCli(['stop', '--control', control]);
    await Promise.all([a, b]);
  }
});
