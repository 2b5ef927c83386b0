// `holdfast unit` prints .socket and .service units that systemd itself accepts (systemd-analyze verify) and that
// map every spec kind and option to its systemd.socket(5) setting.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from './helpers/holdfast.js';

const specs = [
  'http=tcp://0.0.0.0:8080?backlog=1024&nodelay=true&keepalive=true&keepalive-time=30',
  'v6=tcp://[::1]:8081?v6only=false',
  'dns=udp://127.0.0.1:5353',
  'api=unix:/run/hf-test/api.sock?mode=0660',
  'log=unix-dgram:@hf-log',
  'seq=unix-seqpacket:/run/hf-test/seq.sock',
  'pipe=fifo:/run/hf-test/pipe',
  'uevent=netlink:kobject-uevent:1',
  'jobs=mqueue:/hf-jobs',
  'rand=special:/dev/urandom',
];

/** systemd-analyze verify, one unit at a time (given several, it reports a unit's errors only once, or not at all). */
function verify(dir: string, files: string[]): string {
  return files.map((f) => {
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', join(dir, f)], { encoding: 'utf8', cwd: dir });
    // Lines about the unit files themselves (not about this container's missing systemd).
    return `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.includes(dir)).join('\n');
  }).filter(Boolean).join('\n');
}

it('renders one .socket per name and a .service that systemd-analyze verify accepts', async () => {
  const out = mkdtempSync(join(tmpdir(), 'holdfast-units-'));
  const r = await runCli(['unit', '--name', 'app', '--out', out, '--workers', '2', '--drain-timeout', '20s',
    ...specs.flatMap((s) => ['-l', s]), '--', 'node', 'server.mjs']);
  expect(r.code, r.out).toBe(0);
  const read = (f: string) => readFileSync(join(out, f), 'utf8');
  expect(read('app-http.socket')).toMatch(/ListenStream=0\.0\.0\.0:8080\nFileDescriptorName=http\nBacklog=1024\nNoDelay=yes\nKeepAlive=yes\nKeepAliveTimeSec=30/);
  expect(read('app-v6.socket')).toMatch(/ListenStream=\[::1\]:8081[\s\S]*BindIPv6Only=both/);
  expect(read('app-dns.socket')).toMatch(/ListenDatagram=127\.0\.0\.1:5353[\s\S]*ReceiveBuffer=2M/);
  expect(read('app-api.socket')).toMatch(/ListenStream=\/run\/hf-test\/api\.sock[\s\S]*SocketMode=0660[\s\S]*RemoveOnStop=yes/);
  expect(read('app-log.socket')).toMatch(/ListenDatagram=@hf-log/);
  expect(read('app-seq.socket')).toMatch(/ListenSequentialPacket=\/run\/hf-test\/seq\.sock/);
  expect(read('app-pipe.socket')).toMatch(/ListenFIFO=\/run\/hf-test\/pipe/);
  expect(read('app-uevent.socket')).toMatch(/ListenNetlink=15 1/);
  expect(read('app-jobs.socket')).toMatch(/ListenMessageQueue=\/hf-jobs/);
  expect(read('app-rand.socket')).toMatch(/ListenSpecial=\/dev\/urandom/);
  const svc = read('app.service');
  expect(svc).toMatch(/Type=notify\nNotifyAccess=main/);
  expect(svc).toMatch(/ExecStart=\/\S+node \/\S+holdfast\.js run --control \/run\/app\/control\.sock -l /);
  expect(svc).toMatch(/--workers 2 -- \/\S+\/node server\.mjs/);
  expect(svc).toMatch(/ExecReload=\/\S+node \/\S+holdfast\.js reload --control \/run\/app\/control\.sock\n/);
  expect(svc).toMatch(/Sockets=app-http\.socket app-v6\.socket/);
  expect(svc).toMatch(/KillMode=mixed\nTimeoutStopSec=35/);
  const files = ['app.service', ...specs.map((s) => `app-${s.split('=')[0]}.socket`)];
  expect(verify(out, files)).toBe('');
  // The check can fail: a broken unit is reported.
  writeFileSync(join(out, 'app.service'), svc.replace('Type=notify\n', 'Type=bogus\n'));
  expect(verify(out, files)).toMatch(/Failed to parse service type/);
});

it('refuses a bad spec before printing anything', async () => {
  const r = await runCli(['unit', '-l', 'http=tcp://nowhere', '--', 'node', 'server.mjs']);
  expect(r.code).toBe(2);
  expect(r.out).toMatch(/invalid socket "tcp:\/\/nowhere"/);
  expect(r.out).not.toMatch(/\[Socket\]/);
});
