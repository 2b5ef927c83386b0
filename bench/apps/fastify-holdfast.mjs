// The bench app under holdfast: the same routes as fastify-self.mjs, served on the inherited "http" fd by
// @holdfast/http-adapter's serve() (READY=1, drain on SIGTERM). Standalone it binds $PORT itself.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { serve } from '@holdfast/http-adapter';

const version = process.env.BENCH_VERSION_FILE ? readFileSync(process.env.BENCH_VERSION_FILE, 'utf8').trim() : '0';
const app = Fastify();
app.get('/', async () => ({ hello: 'world', pid: process.pid, version }));

await serve(app, { name: 'http', fallback: `tcp://127.0.0.1:${Number(process.env.PORT ?? 3000)}` });
