import { expect, it } from 'vitest';
import { diagnose, type FailureFacts } from '../src/diagnose.js';

const SYNTAX = ['file:///srv/app/bad.js:3', '  const x = ;', '            ^', '', "SyntaxError: Unexpected token ';'"];
const facts = (over: Partial<FailureFacts>): FailureFacts => ({
  phase: 'exited-before-ready', exit: { code: 1, signal: null }, stderr: [], clusterWorkers: false, listening: null, outputMode: 'pipe',
  sockets: [{ name: 'http', spec: 'tcp://127.0.0.1:3000', bound: 'tcp://127.0.0.1:3000' }], ...over,
});

it('the first start (nothing serving): no hint claims a generation keeps serving', () => {
  for (const f of [
    facts({ stderr: SYNTAX }),
    facts({ stderr: ["Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'pg' imported from /srv/app/db.mjs"] }),
    facts({ stderr: ['boom'] }),
    facts({ phase: 'exited-after-ready', stderr: ['boom'] }),
  ]) {
    const d = diagnose({ ...f, serving: false });
    expect(d.hint, d.cause).not.toMatch(/keeps (serving|its own)/);
    expect(diagnose({ ...f, serving: true }).hint, d.cause).toMatch(/keeps (serving|its own)/);
  }
  expect(diagnose(facts({ stderr: SYNTAX, serving: false })).hint).toBe('Fix the file; `node --check /srv/app/bad.js` finds it before a deploy.');
});

it('never ready under the register hook: the app never called listen() on the held address, --ready-timeout is the knob', () => {
  const f = facts({ phase: 'ready-timeout', exit: null, listening: [{ name: 'http', polled: false }] });
  const hooked = diagnose({ ...f, hook: { waitReady: false } });
  expect(hooked.summary).toBe('it never called listen() on the held address "http" (tcp://127.0.0.1:3000)');
  expect(hooked.hint).toMatch(/waiting on something at start-up/);
  expect(hooked.hint).toContain('--ready-timeout');
  expect(hooked.hint).not.toMatch(/serve\(\) or listenFds\(\)/);
  const waitReady = diagnose({ ...f, hook: { waitReady: true } });
  expect(waitReady.summary).toMatch(/^it never called process\.send\('ready'\) \(--wait-ready\)/);
  expect(waitReady.hint).toContain('--ready-timeout');
  // --no-preload, or not a Node command: the app must serve the inherited fds itself.
  expect(diagnose({ ...f, hook: null }).hint).toMatch(/serve\(\) or listenFds\(\)/);
  expect(diagnose(f).hint).toMatch(/serve\(\) or listenFds\(\)/);
});

it('an ES module ending too early (no source line, no caret): the file and line are still named, and the --check hint', () => {
  const d = diagnose(facts({ stderr: ['file:///srv/app/server.mjs:4', '', '', '', 'SyntaxError: Unexpected end of input', '    at compileSourceTextModule (node:internal/modules/esm/utils:346:16)'] }));
  expect(d.cause).toBe('syntax-error');
  expect(d.summary).toBe('a syntax error in file:///srv/app/server.mjs:4: Unexpected end of input');
  expect(d.hint).toContain('`node --check /srv/app/server.mjs`');
  expect(d.hint).not.toContain('FILE');
});

it('killed by SIGKILL before READY=1 with no stderr: the hint points at the kernel log, not at stderr lines that do not exist', () => {
  const d = diagnose(facts({ exit: { code: null, signal: 'SIGKILL' }, serving: true }));
  expect(d.hint).toMatch(/SIGKILL came from outside the worker .*`dmesg` or `journalctl -k` shows an OOM kill\. The generation that was serving keeps serving\./);
  expect(d.hint).not.toMatch(/last stderr lines/);
  // With lines it wrote before, those still come first.
  expect(diagnose(facts({ exit: { code: null, signal: 'SIGKILL' }, stderr: ['allocating 8 GiB'] })).hint).toMatch(/Its last stderr lines/);
});

it('a warm-up still running at --ready-timeout: said so, with the knobs, whatever else the facts say', () => {
  const d = diagnose(facts({ phase: 'ready-timeout', exit: null, hook: { waitReady: false }, listening: [{ name: 'http', polled: false }], status: 'warming up "http": 3000 requests over a private socket, started 2026-12-02T00:00:00.000Z' }));
  expect(d.summary).toMatch(/^its warm-up was still running when the deadline came \(its STATUS=: warming up "http": 3000 requests/);
  expect(d.hint).toMatch(/raise --ready-timeout, or lower --warmup-count/);
  expect(diagnose(facts({ phase: 'ready-timeout', exit: null, hook: { waitReady: false }, listening: [{ name: 'http', polled: false }], status: 'warm-up of "http": 3000 requests in 900 ms' })).summary).toMatch(/never called listen\(\)/);
});
