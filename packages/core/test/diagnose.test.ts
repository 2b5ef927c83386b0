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
