// Every failed reload says why: `holdfast reload` prints the diagnosis, the worker's last stderr lines and a hint
// that matches what happened. One holder; each case deploys a failing command (`holdfast reload -- CMD`), is
// rolled back, and the first generation keeps serving.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callControl } from '@holdfast/cli';
import { fixture, HolderProcess, runCli } from './helpers/holdfast.js';
import { freePort } from './helpers/free-port.js';

let holder: HolderProcess;
let port: number;
let adminPort: number;
const node = process.execPath;


beforeAll(async () => {
  adminPort = await freePort();
  // --no-preload: the causes as an app meets them when holdfast does not rewrite its listen() (any non-Node
  // program, or a Node one run without the register hook).
  holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--ready-timeout', '5s', '--no-preload', '--', node, fixture('binds-admin-port.mjs'), String(adminPort)]);
  await holder.waitReady(1, 30_000);
  port = (await holder.address('http')).port;
});
afterAll(async () => { await holder?.stop(); });

async function deploy(...command: string[]): Promise<string> {
  const r = await runCli(['reload', '--control', holder.control, '--', ...command]);
  expect(r.code, r.out).toBe(1);
  expect(r.out).toMatch(/reload failed, rolled back/);
  const s = await holder.status();
  expect(s.generation).toBe(1); // the first generation kept serving
  return r.out;
}

it('binds the address the holder holds: names it and the socket, hint says to serve on the inherited fd', async () => {
  const out = await deploy(node, fixture('binds-held-port.mjs'), String(port));
  expect(out).toContain(`the worker tried to bind 127.0.0.1:${port} itself, but the holder already holds that address as socket "http"`);
  expect(out).toMatch(/ {2}\| Error: listen EADDRINUSE/);
  expect(out).toMatch(/hint: Serve on the inherited socket instead of listening on a port/);
});

it('binds an address the holder does not hold: names it and the -l NAME=SPEC to add', async () => {
  const out = await deploy(node, fixture('binds-admin-port.mjs'), String(adminPort));
  expect(out).toContain(`the worker binds 127.0.0.1:${adminPort}, which the holder does not hold`);
  expect(out).toContain(`add -l NAME=tcp://127.0.0.1:${adminPort}`);
});

it('uses node:cluster: says so and points to --workers', async () => {
  const out = await deploy(node, fixture('uses-cluster.mjs'), String(port));
  expect(out).toContain('the worker uses node:cluster');
  expect(out).toContain('--workers N');
});

it('a module is not found: names it', async () => {
  const out = await deploy(node, fixture('missing-module.mjs'));
  expect(out).toContain("module 'holdfast-fixture-package-that-is-not-installed' was not found (imported from");
  expect(out).toMatch(/hint: Install the release's dependencies/);
});

it('a syntax error: names the file and line', async () => {
  const out = await deploy(node, fixture('syntax-error.mjs'));
  expect(out).toMatch(/a syntax error in file:\/\/\S+syntax-error\.mjs:3: Unexpected token ';'/);
  expect(out).toMatch(/node --check \S+syntax-error\.mjs/);
});

it('exits 0 before READY=1: says it ran to its end', async () => {
  const out = await deploy(node, fixture('exits-0.mjs'));
  expect(out).toContain('exited with code 0 before READY=1: it ran to its end');
});

it('never sends READY=1 but serves on the held socket: says it listens and only READY=1 is missing', async () => {
  const out = await deploy(node, fixture('listens-never-ready.mjs'));
  expect(out).toContain('did not send READY=1 within 5000 ms: it waits for connections on the held socket "http" but never sent READY=1');
  const s = (await callControl<{ lastSwap: { error: { diagnosis: { cause: string; listening: unknown } } } }>(holder.control, 'GET', '/status')).body;
  expect(s.lastSwap.error.diagnosis).toMatchObject({ cause: 'never-ready', listening: [{ name: 'http', polled: true }] });
});

it('never sends READY=1 and never listens on the held socket: says so', async () => {
  const out = await deploy(node, fixture('never-listens.mjs'));
  expect(out).toContain('it never sent READY=1 and never listened on the held socket "http"');
});

it('exits right after READY=1: the hint does not say it was never ready', async () => {
  const out = await deploy(node, fixture('crash-after-ready.mjs'));
  expect(out).toMatch(/right after READY=1 .*: it sent READY=1, then exited with code 2 within the --settle time/);
  expect(out).toContain('  | crash-after-ready: crashing on purpose');
  expect(out).not.toMatch(/before it was ready/);
});
