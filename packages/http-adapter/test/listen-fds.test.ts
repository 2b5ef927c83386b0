import { afterAll, describe, expect, it } from 'vitest';
import { closeFd, openSocket } from '@holdfast/native';
import { fixture, jsonOf, startWorker } from './helpers.js';

const stream = openSocket({ family: 'inet', type: 'stream', host: '127.0.0.1', port: 0 }, 'http');
const udp = openSocket({ family: 'inet', type: 'dgram', host: '127.0.0.1', port: 0 }, 'udp');
afterAll(() => { closeFd(stream); closeFd(udp); });

describe('listenFds()', () => {
  it('adopts fds 3.. with their names, sets close-on-exec, unsets LISTEN_*, memoises', async () => {
    const w = startWorker(fixture('listen-fds-report.mjs'), { fds: [{ fd: stream, name: 'http' }, { fd: udp, name: 'udp' }], captureStdout: true });
    const r = await jsonOf(w);
    expect(r.before).toEqual({ LISTEN_FDS: '2', LISTEN_PID: String(w.pid), LISTEN_FDNAMES: 'http:udp' });
    expect(r.fds).toEqual([
      { fd: 3, name: 'http', kind: 'socket', type: 'stream', family: 'inet', cloexecNow: true },
      { fd: 4, name: 'udp', kind: 'socket', type: 'dgram', family: 'inet', cloexecNow: true },
    ]);
    expect(r.memoised).toBe(true);
    expect(r.envAfter).toEqual({ LISTEN_FDS: null, LISTEN_PID: null, LISTEN_FDNAMES: null });
    // The worker's own child inherits stdio (and its own ls fd) but not the holder's sockets.
    expect(r.childFds).not.toContain(3);
    expect(r.childFds).not.toContain(4);
  });

  it('refuses a LISTEN_FDNAMES with fewer names than LISTEN_FDS (sd_listen_fds_with_names(3) returns -EINVAL)', async () => {
    const w = startWorker(fixture('listen-fds-report.mjs'), { fds: [{ fd: stream, name: 'http' }, { fd: udp, name: 'x' }], env: { LISTEN_FDNAMES: 'web' }, captureStdout: true });
    const r = await jsonOf(w);
    expect(r.error).toEqual({ code: 'ERR_HOLDFAST_BAD_LISTEN_FD', message: 'LISTEN_FDNAMES is "web"; expected 2 colon-separated names (LISTEN_FDS=2) (sd_listen_fds(3))' });
  });

  it('returns [] when LISTEN_PID is another process, and still unsets LISTEN_*', async () => {
    const w = startWorker(fixture('listen-fds-report.mjs'), { fds: [{ fd: stream, name: 'http' }], env: { LISTEN_PID: '1' }, viaShell: false, captureStdout: true });
    const r = await jsonOf(w);
    expect(r.before.LISTEN_PID).toBe('1');
    expect(r.fds).toEqual([]);
    expect(r.envAfter).toEqual({ LISTEN_FDS: null, LISTEN_PID: null, LISTEN_FDNAMES: null });
  });

  it('returns [] without LISTEN_FDS', async () => {
    const r = await jsonOf(startWorker(fixture('listen-fds-report.mjs'), { captureStdout: true }));
    expect(r.fds).toEqual([]);
  });
});
