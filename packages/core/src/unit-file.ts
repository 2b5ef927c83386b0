import { OPTIONS, type SocketSpec } from './socket-spec.js';

/** What `renderUnits` needs. Durations in milliseconds; paths absolute. */
export interface UnitInput {
  /** Service name without `.service` (e.g. `app`); socket units are `<service>-<socket name>.socket`. */
  service: string;
  sockets: SocketSpec[];
  /** The full ExecStart= argv: node, the holdfast bin, `run`, its flags, `--`, the worker command. */
  execStart: string[];
  /** ExecReload= argv: `holdfast reload --control ...`, so `systemctl reload` fails when the reload rolls back. */
  execReload: string[];
  cwd: string;
  drainTimeoutMs: number;
  description?: string;
}

/** One unit file: its name and its text. */
export interface UnitFile {
  name: string;
  content: string;
}

/** systemd's Listen*= directive and address for one spec (systemd.socket(5)). */
function listenLine(s: SocketSpec): string {
  const o = s.open;
  switch (s.kind) {
    case 'fifo': return `ListenFIFO=${s.path}`;
    case 'mqueue': return `ListenMessageQueue=${s.path}`;
    case 'special': return `ListenSpecial=${s.path}`;
    default: break;
  }
  if (!o) throw new Error(`socket "${s.name}" has no address`);
  if (o.family === 'netlink') return `ListenNetlink=${o.protocol} ${o.groups ?? 0}`;
  const address = o.family === 'unix' ? o.path! : o.family === 'inet6' ? `[${o.host}]:${o.port}` : `${o.host}:${o.port}`;
  const directive = o.type === 'stream' ? 'ListenStream' : o.type === 'dgram' ? 'ListenDatagram' : 'ListenSequentialPacket';
  return `${directive}=${address}`;
}

/** The `?key=value` options of the spec as systemd.socket(5) settings (booleans as yes/no). */
function optionLines(s: SocketSpec): string[] {
  const q = s.spec.indexOf('?');
  const lines: string[] = [];
  const given = new Set<string>();
  for (const pair of (q < 0 ? '' : s.spec.slice(q + 1)).split('&').filter(Boolean)) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    let value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
    const opt = OPTIONS[key];
    if (!opt) continue;
    given.add(key);
    if (/^(true|yes|on|1)$/i.test(value) && opt.values.startsWith('true or false')) value = 'yes';
    else if (/^(false|no|off|0)$/i.test(value) && opt.values.startsWith('true or false')) value = 'no';
    if (key === 'v6only') { lines.push(`BindIPv6Only=${value === 'yes' ? 'ipv6-only' : 'both'}`); continue; }
    lines.push(`${opt.systemd}${value}`);
  }
  // holdfast's own defaults where systemd's differ.
  if (s.open?.type === 'dgram' && s.open.family !== 'unix' && !given.has('rcvbuf')) lines.push('ReceiveBuffer=2M');
  if (s.open?.family === 'inet6' && !given.has('v6only')) lines.push('BindIPv6Only=ipv6-only');
  const onDisk = s.kind === 'fifo' || s.kind === 'mqueue' || (s.open?.family === 'unix' && !s.open.path!.startsWith('@'));
  if (onDisk && !given.has('remove-on-stop')) lines.push('RemoveOnStop=yes');
  return lines;
}

/** Quote one ExecStart= word as systemd.service(5) expects (double quotes, backslash escapes). */
function quote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '$$$$')}"`;
}

/**
 * Render the `.socket` units (one per socket: `FileDescriptorName=` names every fd of its unit) and the `.service`
 * unit that runs the holder on them, as systemd.socket(5) and systemd.service(5) describe. The service is
 * `Type=notify` with `ExecReload=` running `holdfast reload` (so `systemctl reload` reports a rollback), keeps the holder as the main pid (`NotifyAccess=main`), lets it deposit its fds in the
 * fd store so a crash of the holder itself loses no queued connection, and stops it with `KillMode=mixed`
 * (SIGTERM to the holder, which drains its workers; SIGKILL to what is left after `TimeoutStopSec=`).
 */
export function renderUnits(input: UnitInput): UnitFile[] {
  const socketUnits = input.sockets.map((s) => ({
    name: `${input.service}-${s.name}.socket`,
    content: [
      '[Unit]',
      `Description=${input.service}: socket "${s.name}" (${s.spec}) held for holdfast`,
      '',
      '[Socket]',
      listenLine(s),
      `FileDescriptorName=${s.name}`,
      ...optionLines(s),
      `Service=${input.service}.service`,
      '',
      '[Install]',
      'WantedBy=sockets.target',
      '',
    ].join('\n'),
  }));
  const sockets = socketUnits.map((u) => u.name).join(' ');
  const stopSec = Math.ceil(input.drainTimeoutMs / 1000) + 15;
  const service = {
    name: `${input.service}.service`,
    content: [
      '[Unit]',
      `Description=${input.description ?? `${input.service} under holdfast (zero-downtime reloads)`}`,
      ...(sockets ? [`Requires=${sockets}`, `After=network.target ${sockets}`] : ['After=network.target']),
      '',
      '[Service]',
      '# The holder also speaks Type=notify-reload (RELOADING=1, READY=1; systemd 253+), but ExecReload= running',
      '# `holdfast reload` makes `systemctl reload` wait for the new generation and fail when it rolls back.',
      'Type=notify',
      'NotifyAccess=main',
      `ExecStart=${input.execStart.map(quote).join(' ')}`,
      `ExecReload=${input.execReload.map(quote).join(' ')}`,
      `WorkingDirectory=${input.cwd}`,
      ...(sockets ? [`Sockets=${sockets}`, `FileDescriptorStoreMax=${Math.max(16, input.sockets.length)}`] : []),
      'KillMode=mixed',
      `TimeoutStopSec=${stopSec}`,
      'Restart=always',
      'RestartSec=100ms',
      '',
      '[Install]',
      'WantedBy=multi-user.target',
      '',
    ].join('\n'),
  };
  return [...socketUnits, service];
}
