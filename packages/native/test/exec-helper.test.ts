import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeFd, execHelperPath, openSocket } from '../src/index.js';
import { tempDir } from './helpers.js';

interface Run {
  pid: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: NodeJS.ProcessEnv, stdio: Array<'pipe' | 'ignore' | number> = ['ignore', 'pipe', 'pipe']): Promise<Run> {
  const child = spawn(execHelperPath, args, { env, stdio });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ pid: child.pid!, code, stdout, stderr }));
  });
}

const baseEnv = { PATH: process.env.PATH };

describe('holdfast-exec', () => {
  it('exists at execHelperPath', () => {
    expect(isAbsolute(execHelperPath)).toBe(true);
    expect(existsSync(execHelperPath)).toBe(true);
  });

  it('sets LISTEN_PID to the pid spawn returned (exec, no fork)', async () => {
    const r = await run(['sh', '-c', 'echo $LISTEN_PID $$'], { ...baseEnv, LISTEN_FDS: '1' });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`${r.pid} ${r.pid}`);
  });

  it('leaves LISTEN_PID alone without LISTEN_FDS', async () => {
    const r = await run(['sh', '-c', 'echo "${LISTEN_PID-unset}"'], baseEnv);
    expect(r.stdout.trim()).toBe('unset');
  });

  it('passes the sockets at fd 3 through', async () => {
    const fd = openSocket({ family: 'inet', type: 'stream', host: '127.0.0.1' });
    try {
      const r = await run(['sh', '-c', 'readlink /proc/$$/fd/3'], { ...baseEnv, LISTEN_FDS: '1' }, ['ignore', 'pipe', 'pipe', fd]);
      expect(r.stdout.trim()).toMatch(/^socket:\[\d+\]$/);
    } finally {
      closeFd(fd);
    }
  });

  it('exits 127 with a message for a missing command', async () => {
    const r = await run(['holdfast-no-such-command'], baseEnv);
    expect(r.code).toBe(127);
    expect(r.stderr).toBe('holdfast: cannot run "holdfast-no-such-command": No such file or directory\n');
  });

  it('exits 126 for a command that is not executable', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const r = await run([dir], baseEnv); // a directory: EACCES
      expect(r.code).toBe(126);
      expect(r.stderr).toBe(`holdfast: cannot run "${dir}": Permission denied\n`);
    } finally {
      cleanup();
    }
  });

  it('exits 125 quietly when HOLDFAST_HOLDER_PID is not its parent', async () => {
    const r = await run(['sh', '-c', 'echo ran'], { ...baseEnv, HOLDFAST_HOLDER_PID: '1' });
    expect(r).toMatchObject({ code: 125, stdout: '', stderr: '' });
  });

  it("runs and keeps HOLDFAST_HOLDER_PID (the worker's holder guard reads it) when the parent matches", async () => {
    const r = await run(['sh', '-c', 'echo "${HOLDFAST_HOLDER_PID-unset}"'], {
      ...baseEnv,
      HOLDFAST_HOLDER_PID: String(process.pid),
    });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(String(process.pid));
  });
});
