// docs/container.md's layout, built as its Dockerfile builds it but without docker: the packed tarballs installed
// into an empty project with `npm ci --omit=dev`, with a PATH that holds node, npm, sh and a few coreutils and no
// compiler, python or make (node:20-slim has none). Then what the image runs: `holdfast run` with the app under
// load and reloads (0 failed requests), the holder as PID 1 of a new PID namespace (no default signal actions: it
// must handle SIGTERM and SIGHUP itself), and serve() standalone with the addon made unloadable.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callControl } from '@holdfast/cli';
import { packAll, type Packed } from './helpers/pack.js';
import { startLoad } from './helpers/load.js';
import { getVersion, until } from './fixtures/cli-apps.js';
import { sleep } from './helpers/holdfast.js';

const work = mkdtempSync(join(tmpdir(), 'holdfast-container-'));
const appDir = join(work, 'app');
const binDir = join(work, 'bin');
const HOLDFAST = ['node_modules/@holdfast/cli/bin/holdfast.js'];
const UNSHARE = spawnSync('sh', ['-c', 'command -v unshare'], { encoding: 'utf8' }).stdout.trim() || 'unshare';
const NO_TOOLCHAIN = ['cc', 'gcc', 'g++', 'c++', 'clang', 'make', 'python', 'python3'];

/** A clean environment (nothing inherited: pnpm's npm_config_* would ask for a build from source) with the bare PATH. */
const env = (): NodeJS.ProcessEnv => ({ PATH: binDir, HOME: process.env.HOME, TMPDIR: tmpdir(), HOLDFAST_LOG_FORMAT: 'json', LANG: 'C.UTF-8' });

/** A PATH of symlinks to node, npm, sh and the coreutils a shell script might want: no compiler, python or make. */
function bareBin(): void {
  mkdirSync(binDir, { recursive: true });
  symlinkSync(process.execPath, join(binDir, 'node'));
  const npm = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim();
  symlinkSync(realpathSync(npm), join(binDir, 'npm'));
  for (const tool of ['sh', 'env', 'cat', 'ls', 'rm', 'mkdir', 'cp', 'mv', 'chmod', 'ln', 'sleep', 'uname']) {
    const path = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (path.startsWith('/')) symlinkSync(realpathSync(path), join(binDir, tool));
  }
}

const appSource = (version: string) => `// docs/container.md's server.mjs
import Fastify from 'fastify';
import { serve } from '@holdfast/http-adapter';

const app = Fastify();
app.get('/', async () => ({ version: ${JSON.stringify(version)}, pid: process.pid }));
await serve(app, { name: 'http', fallback: 'tcp://127.0.0.1:3000' });
`;

function run(cmd: string, args: string[], opts: { cwd?: string; extraEnv?: NodeJS.ProcessEnv } = {}): { code: number | null; out: string; ms: number } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? appDir, env: { ...env(), ...opts.extraEnv }, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}${r.error ? String(r.error) : ''}`, ms: Math.round(performance.now() - t0) };
}

function startHolder(args: string[], prefix: string[] = []): { p: ChildProcess; out: () => string; exited: Promise<number | null> } {
  // prefix (unshare) is a tool of this test, not of the image: resolved on the test's own PATH.
  const [cmd, ...rest] = [...prefix, process.execPath, ...HOLDFAST, 'run', ...args];
  const p = spawn(cmd!, rest, { cwd: appDir, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout!.on('data', (d) => { out += d; });
  p.stderr!.on('data', (d) => { out += d; });
  return { p, out: () => out, exited: new Promise((r) => p.once('exit', (code) => r(code))) };
}

interface Status { holderPid: number; generation: number; sockets: { bound: string }[]; workers: { generation: number; state: string }[] }
const status = async (control: string) => (await callControl<Status>(control, 'GET', '/status')).body;
const portOf = (s: Status) => Number(/:(\d+)$/.exec(s.sockets[0]!.bound)![1]);
const serving = (control: string, gen: number) => until(`generation ${gen} serving`, async () => {
  const s = await status(control);
  return s.generation >= gen && s.workers.some((w) => w.generation === s.generation && w.state === 'ready') && s;
}, 30_000);

let packed: Packed[] = [];
let install: { code: number | null; out: string; ms: number };

beforeAll(() => {
  bareBin();
  packed = packAll(join(work, 'tarballs'));
  mkdirSync(appDir);
  const dependencies: Record<string, string> = { fastify: '^5.12.8' };
  for (const p of packed) dependencies[p.name] = `file:${p.tarball}`;
  writeFileSync(join(appDir, 'package.json'), JSON.stringify({ name: 'container-app', private: true, type: 'module', dependencies }, null, 2));
  writeFileSync(join(appDir, 'server.mjs'), appSource('v1'));
  // The lock file an app commits (npm install once), then what the Dockerfile runs: npm ci --omit=dev.
  const lock = run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund']);
  if (lock.code !== 0) throw new Error(`npm install failed:\n${lock.out}`);
  rmSync(join(appDir, 'node_modules'), { recursive: true, force: true });
  install = run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--foreground-scripts']);
  console.log(`npm ci --omit=dev of the packed tarballs, no compiler on PATH: exit ${install.code} in ${install.ms} ms`);
}, 600_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("docs/container.md's layout from the packed tarballs", () => {
  it('PATH holds no compiler, python or make', () => {
    for (const tool of NO_TOOLCHAIN) expect(run('sh', ['-c', `command -v ${tool}`]).code, tool).not.toBe(0);
    expect(run('sh', ['-c', 'command -v node && command -v npm']).code).toBe(0);
  });

  it('npm ci --omit=dev installs them with the prebuilt addon: nothing compiled, holdfast-exec executable', () => {
    expect(install.code, install.out).toBe(0);
    const native = join(appDir, 'node_modules/@holdfast/native');
    expect(existsSync(join(native, 'build')), 'a build/ would mean node-gyp ran').toBe(false);
    expect(statSync(join(native, 'prebuilds/linux-x64/holdfast-exec.glibc')).mode & 0o111).toBe(0o111);
    const loaded = run('node', ['--input-type=module', '-e', "const n = await import('@holdfast/native'); console.log(n.addonPath, n.resolveExecHelper())"]);
    expect(loaded.code, loaded.out).toBe(0);
    expect(loaded.out).toContain(join(native, 'prebuilds/linux-x64/holdfast_native.glibc.node'));
    expect(existsSync(join(appDir, 'node_modules/.bin/holdfast'))).toBe(true);
  });

  it('holdfast run serves the app; 3 reloads under keep-alive load: 0 failed requests', async () => {
    const control = join(work, 'run.sock');
    const h = startHolder(['--control', control, '-l', 'http=tcp://127.0.0.1:0', '--', 'node', 'server.mjs']);
    try {
      const port = portOf(await serving(control, 1));
      expect((await getVersion(port)).version).toBe('v1');
      const load = startLoad(`http://127.0.0.1:${port}`, { connections: 8, mode: 'keep-alive' });
      const pids = new Set<number>();
      for (let i = 2; i <= 4; i++) {
        await sleep(300);
        writeFileSync(join(appDir, 'server.mjs'), appSource(`v${i}`));
        const r = run(process.execPath, [...HOLDFAST, 'reload', '--control', control]);
        expect(r.code, r.out).toBe(0);
        const v = await getVersion(port);
        expect(v.version).toBe(`v${i}`);
        pids.add(v.pid);
      }
      await sleep(300);
      const report = await load.stop();
      expect(report.errors).toEqual({});
      expect(report.non2xx).toBe(0);
      expect(report.ok).toBeGreaterThan(0);
      expect(pids.size).toBe(3);
      h.p.kill('SIGTERM');
      expect(await h.exited).toBe(0);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${h.out()}`);
    } finally {
      h.p.kill('SIGKILL');
    }
  });

  const root = process.getuid?.() === 0 && spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;
  it.skipIf(!root)('as PID 1 of a new PID namespace (unshare --pid --fork --mount-proc, as root): SIGHUP reloads, SIGTERM stops with exit 0', async () => {
    writeFileSync(join(appDir, 'server.mjs'), appSource('pid1-a'));
    const control = join(work, 'pid1.sock');
    const h = startHolder(['--control', control, '-l', 'http=tcp://127.0.0.1:0', '--', 'node', 'server.mjs'], [UNSHARE, '--pid', '--fork', '--mount-proc']);
    try {
      const s = await serving(control, 1);
      expect(s.holderPid).toBe(1);
      const port = portOf(s);
      expect((await getVersion(port)).version).toBe('pid1-a');
      // The holder's pid outside the namespace: unshare's only child.
      const holderPid = Number(readFileSync(`/proc/${h.p.pid}/task/${h.p.pid}/children`, 'utf8').trim());
      expect(holderPid).toBeGreaterThan(1);
      writeFileSync(join(appDir, 'server.mjs'), appSource('pid1-b'));
      process.kill(holderPid, 'SIGHUP');
      await serving(control, 2);
      expect((await getVersion(port)).version).toBe('pid1-b');
      process.kill(holderPid, 'SIGTERM');
      expect(await h.exited).toBe(0);
      expect(h.out()).toMatch(/SIGTERM: stopping/);
      expect(h.out()).toMatch(/"msg":"stopped"/);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${h.out()}`);
    } finally {
      h.p.kill('SIGKILL');
    }
  });

  it('with the addon unloadable (a truncated .node), serve() standalone binds its fallback; under LISTEN_FDS it says what is missing', async () => {
    const addon = join(appDir, 'node_modules/@holdfast/native/prebuilds/linux-x64/holdfast_native.glibc.node');
    const saved = join(work, 'addon.saved');
    copyFileSync(addon, saved);
    writeFileSync(addon, 'not an ELF file');
    try {
      const direct = run('node', ['--input-type=module', '-e', "await import('@holdfast/native')"]);
      expect(direct.code).not.toBe(0);
      expect(direct.out).toContain('ERR_HOLDFAST_NATIVE_MISSING');

      writeFileSync(join(appDir, 'standalone.mjs'), `import http from 'node:http';
import { serve } from '@holdfast/http-adapter';
const server = http.createServer((req, res) => res.end('standalone ' + process.pid));
const served = await serve(server, { fallback: 'tcp://127.0.0.1:0' });
console.log(JSON.stringify(served));
`);
      const app = spawn(process.execPath, ['standalone.mjs'], { cwd: appDir, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      app.stdout.on('data', (d) => { out += d; });
      app.stderr.on('data', (d) => { out += d; });
      try {
        const served = await until('the standalone app listening', () => /"address":"tcp:\/\/127\.0\.0\.1:(\d+)"/.exec(out) ?? undefined, 20_000);
        expect(out).toContain('"inherited":false');
        const res = await fetch(`http://127.0.0.1:${served[1]}/`);
        expect(await res.text()).toBe(`standalone ${app.pid}`);
      } finally {
        app.kill('SIGKILL');
      }

      // Started as a holder would start it (LISTEN_FDS with its own LISTEN_PID), the worker needs the addon: a clear error.
      const underHolder = run('sh', ['-c', 'LISTEN_FDS=1 LISTEN_PID=$$ exec node standalone.mjs 3</dev/null']);
      expect(underHolder.code).toBe(1);
      expect(underHolder.out).toContain('ERR_HOLDFAST_NATIVE_MISSING');
      expect(underHolder.out).toMatch(/LISTEN_FDS=1 \(inherited sockets\) needs the @holdfast\/native addon/);
    } finally {
      copyFileSync(saved, addon);
    }
  });
});
