import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
import { peerCredentials } from '@holdfast/native';
import { ControlApp, type ControlReply } from './control-http.js';
import { HoldfastError, toHoldfastError } from './errors.js';
import { validateEnvVars } from './env-files.js';
import type { LaunchSpec } from './supervisor.js';
import type { LogRing, LogLine } from './log-ring.js';

/** What the control API drives. */
export interface ControlTarget {
  status(): unknown;
  /** Resolves with the swap outcome (`ok` false on rollback). `launch` deploys another command or directory. */
  reload(launch: Partial<LaunchSpec>): Promise<{ ok: boolean; error?: HoldfastError } & Record<string, unknown>>;
  /** Begin a graceful stop; the reply is sent before the holder exits. */
  stop(): void;
  /** `GET /metrics`: Prometheus text format. */
  metrics?(): Promise<{ contentType: string; body: string }>;
  /** `POST /reload?progress=1`: newline-delimited JSON progress events (see reload-progress.ts). */
  reloadProgress?(launch: Partial<LaunchSpec>): Readable;
  /** `POST /stop?progress=1`: newline-delimited JSON stop events until the sockets are closed (Holder.stopProgress). */
  stopProgress?(): Readable;
  /** `GET /logs`: the recent worker output (absent with `--output inherit`). */
  logs?: LogRing;
}

/** Parse `GET /logs` query values: a whole number or absent. @throws HoldfastError ERR_HOLDFAST_INVALID_OPTION. */
function queryInt(q: Record<string, string | undefined>, key: string, min: number): number | undefined {
  const v = q[key];
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `GET /logs: ${key} must be a whole number >= ${min}; got ${JSON.stringify(v)}`);
  return Number(v);
}

/**
 * `GET /logs?n=N&generation=G&follow=1` as newline-delimited JSON LogLine objects: the last N kept lines (all
 * when absent) of generation G (all when absent); with follow, then every new line until the client goes away.
 */
function logsStream(ring: LogRing, q: Record<string, string | undefined>, onClose: (fn: () => void) => void): Readable {
  const n = queryInt(q, 'n', 0);
  const generation = queryInt(q, 'generation', 1);
  const follow = q.follow === '1' || q.follow === 'true';
  const out = new PassThrough();
  const send = (lines: LogLine[]) => {
    let text = '';
    for (const l of lines) if (generation === undefined || l.generation === generation) text += `${JSON.stringify(l)}\n`;
    if (text) out.write(text);
  };
  send(ring.tail(n, generation));
  if (!follow) { out.end(); return out; }
  ring.on('lines', send);
  onClose(() => { ring.off('lines', send); out.end(); });
  return out;
}

/** An error answer: the registry's HTTP status for the code, and `{ ok: false, error: { code, message, hint } }`. */
function sendError(reply: ControlReply, err: HoldfastError, body: Record<string, unknown> = {}): ControlReply {
  return reply.code(err.httpStatus ?? 500).send({ ...body, ok: false, error: err.toJSON() });
}

function probe(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ path });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/** fd of an accepted unix connection (libuv's pipe handle exposes it). */
function socketFd(socket: Socket): number {
  return (socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
}

function parseLaunch(body: unknown): Partial<LaunchSpec> {
  if (body === undefined || body === null || body === '') return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', 'POST /reload body must be a JSON object like {"cwd":"/srv/app/current","command":["node","server.mjs"]}');
  }
  const b = body as Record<string, unknown>;
  const launch: Partial<LaunchSpec> = {};
  for (const key of Object.keys(b)) {
    if (key !== 'cwd' && key !== 'command' && key !== 'env' && key !== 'envFiles') {
      throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `POST /reload: unknown key ${JSON.stringify(key)}; expected cwd, command, env, envFiles`);
    }
  }
  if (b.cwd !== undefined) {
    if (typeof b.cwd !== 'string' || b.cwd === '') throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `POST /reload: cwd must be a directory path; got ${JSON.stringify(b.cwd)}`);
    launch.cwd = b.cwd;
  }
  if (b.command !== undefined) {
    if (!Array.isArray(b.command) || b.command.length === 0 || !b.command.every((x) => typeof x === 'string')) {
      throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `POST /reload: command must be a non-empty array of strings; got ${JSON.stringify(b.command)}`);
    }
    launch.command = (b.command as string[])[0];
    launch.args = (b.command as string[]).slice(1);
  }
  if (b.env !== undefined) launch.envVars = validateEnvVars(b.env, 'POST /reload: env');
  if (b.envFiles !== undefined) {
    if (!Array.isArray(b.envFiles) || !b.envFiles.every((x) => typeof x === 'string' && x.startsWith('/'))) {
      throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `POST /reload: envFiles must be an array of absolute paths; got ${JSON.stringify(b.envFiles)}`);
    }
    launch.envFiles = b.envFiles as string[];
  }
  return launch;
}

/**
 * The control API: HTTP with JSON over a unix socket of mode 0600, served by node:http (control-http.ts), so that
 * `curl --unix-socket PATH http://holdfast/status` works as well as the CLI. Every connection's peer uid
 * (SO_PEERCRED, unix(7)) must be the holder's own uid or root; others get 403.
 * - `GET /status` → 200 status JSON
 * - `POST /reload` (optional body `{ "cwd": DIR, "command": [CMD, ...ARGS], "env": {KEY: VALUE}, "envFiles": [PATH] }`;
 *   env and envFiles replace the previous deploy's and, like cwd and command, are kept only if the generation gets
 *   ready) → 200
 *   `{ ok: true, generation, pid, readyMs }` once the new generation is ready; on failure `{ ok: false, error: { code,
 *   message, hint } }` with the code's status from CORE_ERRORS (409 rollback or stopping, 400 bad body, 500 internal)
 * - `POST /reload?progress=1` → 200 newline-delimited JSON: `spawned`, `ready`, `drained` events as they happen,
 *   then one `result` line with the body above (`curl -N` shows them live)
 * - `GET /metrics` → Prometheus text format (metrics.ts)
 * - `GET /logs?n=N&generation=G&follow=1` → 200 newline-delimited JSON lines of worker output
 *   (`{ time, generation, pid, stream, line }`), streaming new lines with follow; 404 with `--output inherit`
 * - `POST /stop` → 202 `{ ok: true }`, then the holder stops gracefully
 * - `POST /stop?progress=1` → 200 newline-delimited JSON: `stopping`, one `drained`/`cut` per worker, `stopped`
 *   once the held sockets are closed
 * A leftover socket file nobody answers on is replaced; a live one is refused.
 * @throws HoldfastError ERR_HOLDFAST_CONTROL_IN_USE when another holder answers on `path`.
 */
export async function startControlServer(path: string, target: ControlTarget): Promise<ControlApp> {
  try {
    if (lstatSync(path).isSocket()) {
      if (await probe(path)) {
        throw new HoldfastError('ERR_HOLDFAST_CONTROL_IN_USE', `control socket ${path} is in use by another holdfast`);
      }
      unlinkSync(path);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const app = new ControlApp();
  const uid = process.getuid?.() ?? 0;
  app.addHook('onRequest', async (req, reply) => {
    let peerUid = -1;
    try { peerUid = peerCredentials(socketFd(req.raw.socket)).uid; } catch { /* not a unix peer */ }
    if (peerUid !== uid && peerUid !== 0) {
      return sendError(reply, new HoldfastError('ERR_HOLDFAST_FORBIDDEN', `uid ${peerUid} may not use this control socket (holder uid ${uid})`));
    }
  });
  app.get('/status', async () => target.status());
  app.post('/reload', async (req, reply) => {
    let launch: Partial<LaunchSpec>;
    try {
      launch = parseLaunch(req.body);
    } catch (err) {
      return sendError(reply, toHoldfastError(err));
    }
    if (req.query.progress && target.reloadProgress) {
      return reply.type('application/x-ndjson').send(target.reloadProgress(launch));
    }
    try {
      const r = await target.reload(launch);
      if (r.ok) return r;
      return sendError(reply, r.error ?? new HoldfastError('ERR_HOLDFAST_INTERNAL', 'the reload failed without an error'), r);
    } catch (err) {
      return sendError(reply, toHoldfastError(err));
    }
  });
  app.get('/metrics', async (_req, reply) => {
    if (!target.metrics) return sendError(reply, new HoldfastError('ERR_HOLDFAST_METRICS_DISABLED'));
    const m = await target.metrics();
    return reply.type(m.contentType).send(m.body);
  });
  app.get('/logs', async (req, reply) => {
    if (!target.logs || target.logs.maxBytes <= 0) {
      return reply.code(404).send({ ok: false, error: { code: 'ERR_HOLDFAST_INVALID_OPTION', message: 'worker output is not kept: the holder runs with --output inherit', hint: 'Run the holder with --output pipe (the default) to use holdfast logs.' } });
    }
    let stream: Readable;
    try {
      stream = logsStream(target.logs, req.query as Record<string, string | undefined>, (fn) => reply.raw.once('close', fn));
    } catch (err) {
      return reply.code(400).send({ ok: false, error: (err as HoldfastError).toJSON() });
    }
    return reply.type('application/x-ndjson').send(stream);
  });
  app.post('/stop', async (req, reply) => {
    if ((req.query as { progress?: string }).progress && target.stopProgress) {
      return reply.type('application/x-ndjson').send(target.stopProgress());
    }
    reply.code(202).send({ ok: true });
    setImmediate(() => target.stop());
    return reply;
  });
  const oldMask = process.umask(0o177);
  try {
    await app.listen({ path });
  } catch (err) {
    // Another holder bound the path between our probe and our bind (two started at once).
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new HoldfastError('ERR_HOLDFAST_CONTROL_IN_USE', `control socket ${path} is in use by another holdfast`, { cause: err });
    }
    throw err;
  } finally {
    process.umask(oldMask);
  }
  chmodSync(path, 0o600);
  return app;
}
