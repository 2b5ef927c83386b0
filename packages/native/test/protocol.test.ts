// parseListenEnv() answers as sd-daemon.c's sd_listen_fds_with_names() does, and csrc/exec.c names the variables
// protocol.ts names.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV, HOLDFAST_ENV, parseListenEnv, SD_LISTEN_FDS_START, unsetListenEnv } from '../src/index.js';

const PID = 4242;
const parse = (env: Record<string, string>) => parseListenEnv(env, PID);

describe('parseListenEnv', () => {
  it('adopts fds 3.. with their names when LISTEN_PID is ours', () => {
    expect(parse({ LISTEN_PID: '4242', LISTEN_FDS: '2', LISTEN_FDNAMES: 'http:udp' })).toEqual({
      state: 'inherited', listenPid: PID, fds: [{ fd: SD_LISTEN_FDS_START, name: 'http' }, { fd: 4, name: 'udp' }],
    });
  });

  it("names every fd 'unknown' when LISTEN_FDNAMES is unset", () => {
    expect(parse({ LISTEN_PID: '4242', LISTEN_FDS: '2' })).toMatchObject({ fds: [{ name: 'unknown' }, { name: 'unknown' }] });
  });

  it('keeps empty names (no separator coalescing)', () => {
    expect(parse({ LISTEN_PID: '4242', LISTEN_FDS: '3', LISTEN_FDNAMES: 'a::b' })).toMatchObject({ fds: [{ name: 'a' }, { name: '' }, { name: 'b' }] });
  });

  it.each([
    [{}, 'none'],
    [{ LISTEN_FDS: '1' }, 'none'],
    [{ LISTEN_PID: '4242' }, 'none'],
    [{ LISTEN_PID: '1', LISTEN_FDS: '1' }, 'pid-mismatch'],
    [{ LISTEN_PID: '1', LISTEN_FDS: 'junk' }, 'pid-mismatch'],
  ])('%j -> %s (sd_listen_fds returns 0)', (env, state) => {
    expect(parse(env as Record<string, string>).state).toBe(state);
  });

  it.each([
    [{ LISTEN_PID: 'x', LISTEN_FDS: '1' }, 'LISTEN_PID'],
    [{ LISTEN_PID: '0', LISTEN_FDS: '1' }, 'LISTEN_PID'],
    [{ LISTEN_PID: '4242', LISTEN_FDS: '0' }, 'LISTEN_FDS'],
    [{ LISTEN_PID: '4242', LISTEN_FDS: '-1' }, 'LISTEN_FDS'],
    [{ LISTEN_PID: '4242', LISTEN_FDS: '2x' }, 'LISTEN_FDS'],
    [{ LISTEN_PID: '4242', LISTEN_FDS: '2', LISTEN_FDNAMES: 'http' }, 'LISTEN_FDNAMES'],
    [{ LISTEN_PID: '4242', LISTEN_FDS: '1', LISTEN_FDNAMES: 'a:b' }, 'LISTEN_FDNAMES'],
    [{ LISTEN_PID: '4242', LISTEN_FDS: '1', LISTEN_FDNAMES: '' }, 'LISTEN_FDNAMES'],
    [{ LISTEN_PID: '4242', LISTEN_PIDFDID: 'x', LISTEN_FDS: '1' }, 'LISTEN_PIDFDID'],
  ])('%j is invalid in %s (sd_listen_fds returns -EINVAL)', (env, variable) => {
    expect(parse(env as Record<string, string>)).toMatchObject({ state: 'invalid', variable });
  });

  it('unsetListenEnv removes every LISTEN_* and nothing else', () => {
    const env: NodeJS.ProcessEnv = { LISTEN_PID: '1', LISTEN_PIDFDID: '2', LISTEN_FDS: '1', LISTEN_FDNAMES: 'a', NOTIFY_SOCKET: '@n' };
    unsetListenEnv(env);
    expect(env).toEqual({ NOTIFY_SOCKET: '@n' });
  });
});

it('csrc/exec.c mirrors the names protocol.ts gives', () => {
  const c = readFileSync(new URL('../csrc/exec.c', import.meta.url), 'utf8');
  const defines = Object.fromEntries([...c.matchAll(/^#define ENV_(\w+) "([^"]*)"/gm)].map((m) => [m[1], m[2]]));
  const names: Record<string, string> = { ...ENV, ...Object.fromEntries(Object.entries(HOLDFAST_ENV).map(([k, v]) => [k, v])) };
  expect(Object.keys(defines).length).toBeGreaterThan(0);
  for (const [key, value] of Object.entries(defines)) expect(value, `ENV_${key}`).toBe(names[key]);
});
