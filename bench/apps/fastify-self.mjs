// The bench app listening itself: the same routes as examples/hello-fastify, bound to $PORT by fastify.
// Used for bare node, PM2 (cluster mode: the listen goes through the cluster primary) and nodemon.
// Graceful like a careful PM2/nodemon user would write it: SIGINT/SIGTERM/SIGUSR2 → app.close() → exit.
// $BENCH_VERSION_FILE (optional): its content at start-up is answered as `version` (the dev-loop "new code").
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const version = process.env.BENCH_VERSION_FILE ? readFileSync(process.env.BENCH_VERSION_FILE, 'utf8').trim() : '0';
const app = Fastify();
app.get('/', async () => ({ hello: 'world', pid: process.pid, version }));

let closing = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGUSR2']) {
  process.on(sig, () => {
    if (closing) return;
    closing = true;
    app.close().then(() => process.exit(0), () => process.exit(1));
  });
}
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3000) });
if (process.send) process.send('ready');
