// The control API's HTTP layer on a real unix socket with node:http's client.
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlApp } from '../src/control-http.js';

let app: ControlApp | null = null;
afterEach(async () => { await app?.close(); app = null; });

function call(path: string, method: string, url: string, body?: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: path, method, path: url, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function serve(setup: (a: ControlApp) => void): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'hf-ctl-')), 'c.sock');
  app = new ControlApp();
  setup(app);
  await app.listen({ path });
  return path;
}

describe('ControlApp', () => {
  it('routes by method and path, parses JSON bodies and query strings, answers JSON, text and streams', async () => {
    const path = await serve((a) => {
      a.get('/status', async () => ({ state: 'running' }));
      a.post('/echo', async (req) => ({ body: req.body, q: req.query.x }));
      a.get('/text', async (_req, reply) => reply.type('text/plain; version=0.0.4').send('a 1\n'));
      a.get('/lines', async (_req, reply) => reply.type('application/x-ndjson').send(Readable.from(['{"a":1}\n', '{"b":2}\n'])));
      a.post('/stop', async (_req, reply) => { reply.code(202).send({ ok: true }); return reply; });
    });
    expect(await call(path, 'GET', '/status')).toMatchObject({ status: 200, body: '{"state":"running"}' });
    expect(JSON.parse((await call(path, 'POST', '/echo?x=1', '{"cwd":"/srv"}')).body)).toEqual({ body: { cwd: '/srv' }, q: '1' });
    expect(JSON.parse((await call(path, 'POST', '/echo')).body)).toEqual({});
    expect(await call(path, 'GET', '/text')).toMatchObject({ status: 200, type: 'text/plain; version=0.0.4', body: 'a 1\n' });
    expect(await call(path, 'GET', '/lines')).toMatchObject({ type: 'application/x-ndjson', body: '{"a":1}\n{"b":2}\n' });
    expect(await call(path, 'POST', '/stop')).toMatchObject({ status: 202, body: '{"ok":true}' });
  });

  it('answers an unknown route 404, a bad body 400 and a throwing route 500, each with a coded error', async () => {
    const path = await serve((a) => {
      a.post('/reload', async () => ({ ok: true }));
      a.get('/boom', async () => { throw new Error('kaput'); });
    });
    const nf = await call(path, 'GET', '/nope');
    expect(nf.status).toBe(404);
    expect(JSON.parse(nf.body).error.code).toBe('ERR_HOLDFAST_NO_ROUTE');
    expect((await call(path, 'GET', '/reload')).status).toBe(404);
    const bad = await call(path, 'POST', '/reload', '{nope');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatchObject({ code: 'ERR_HOLDFAST_INVALID_OPTION', message: expect.stringMatching(/not JSON/) });
    const boom = await call(path, 'GET', '/boom');
    expect(boom.status).toBe(500);
    expect(JSON.parse(boom.body).error.message).toMatch(/kaput/);
  });

  it('an onRequest hook that replies ends the request before the route', async () => {
    let reached = false;
    const path = await serve((a) => {
      a.addHook('onRequest', async (_req, reply) => { reply.code(403).send({ ok: false }); });
      a.get('/status', async () => { reached = true; return {}; });
    });
    expect((await call(path, 'GET', '/status')).status).toBe(403);
    expect(reached).toBe(false);
  });
});
