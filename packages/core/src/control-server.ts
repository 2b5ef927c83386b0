import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { HoldfastError } from './errors.js';

/** What the control API drives. */
export interface ControlTarget {
  status(): unknown;
  /** Resolves with the swap outcome (`ok` false on rollback). */
  reload(): Promise<{ ok: boolean; error?: HoldfastError } & Record<string, unknown>>;
  /** Begin a graceful stop; the reply is sent before the holder exits. */
  stop(): void;
}

function probe(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ path });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/**
 * The control API: HTTP with JSON over a unix socket of mode 0600, served by fastify, so that
 * `curl --unix-socket PATH http://holdfast/status` works as well as the CLI.
 * - `GET /status` → 200 status JSON
 * - `POST /reload` → 200 `{ ok: true, generation, pid, readyMs }` once the new generation is ready;
 *   409 `{ ok: false, error: { code, message, hint } }` on rollback
 * - `POST /stop` → 202 `{ ok: true }`, then the holder stops gracefully
 * A leftover socket file nobody answers on is replaced; a live one is refused.
 * @throws HoldfastError ERR_HOLDFAST_CONTROL_IN_USE when another holder answers on `path`.
 */
export async function startControlServer(path: string, target: ControlTarget): Promise<FastifyInstance> {
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
  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.get('/status', async () => target.status());
  app.post('/reload', async (_req, reply) => {
    try {
      const r = await target.reload();
      if (r.ok) return r;
      return reply.code(409).send({ ...r, error: r.error?.toJSON() });
    } catch (err) {
      const e = err instanceof HoldfastError ? err : new HoldfastError('ERR_HOLDFAST_STOPPING', String(err));
      return reply.code(409).send({ ok: false, error: e.toJSON() });
    }
  });
  app.post('/stop', async (_req, reply) => {
    reply.code(202).send({ ok: true });
    setImmediate(() => target.stop());
    return reply;
  });
  const oldMask = process.umask(0o177);
  try {
    await app.listen({ path });
  } finally {
    process.umask(oldMask);
  }
  chmodSync(path, 0o600);
  return app;
}
