// A plain fastify app. Under holdfast it serves on the inherited "http" socket and drains on SIGTERM;
// started on its own (`node server.mjs`) it binds 127.0.0.1:3000 itself.
import Fastify from 'fastify';
import { serve } from '@holdfast/http-adapter';

const app = Fastify();
app.get('/', async () => ({ hello: 'world', pid: process.pid, generation: Number(process.env.HOLDFAST_GENERATION ?? 0) }));
app.post('/echo', async (req) => ({ received: req.body ?? null, pid: process.pid }));

await serve(app, { name: 'http', fallback: 'tcp://127.0.0.1:3000' });
