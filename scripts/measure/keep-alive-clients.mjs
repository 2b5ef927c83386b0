#!/usr/bin/env node
// When does each HTTP client leave an idle pooled keep-alive connection? The server answers one request with
// `Keep-Alive: timeout=3` (its own timer is 10 s) and records when the client closes the connection.
// Usage: node scripts/measure/keep-alive-clients.mjs
import http from 'node:http';
import { Pool } from 'undici';

const server = http.createServer((req, res) => { res.setHeader('keep-alive', 'timeout=3'); res.end('ok'); });
server.keepAliveTimeout = 10_000;
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const { port } = server.address();
const CAP_MS = 6000;

/** ms from the response until the client closed the connection, or 'never' within CAP_MS. */
function closedAfter(request) {
  return new Promise((resolve) => {
    let answeredAt = 0;
    server.once('connection', (socket) => socket.once('close', () => resolve(Date.now() - answeredAt)));
    setTimeout(() => resolve(`not within ${CAP_MS} ms`), CAP_MS).unref();
    void request().then(() => { answeredAt = Date.now(); });
  });
}

const get = (agent) => new Promise((resolve, reject) => {
  http.get({ host: '127.0.0.1', port, agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
});

const pool = new Pool(`http://127.0.0.1:${port}`);
const results = {
  'undici Pool': await closedAfter(async () => { const r = await pool.request({ path: '/', method: 'GET' }); await r.body.text(); }),
  'http.globalAgent (keepAlive, timeout 5000)': await closedAfter(() => get(http.globalAgent)),
  'new http.Agent({ keepAlive: true })': await closedAfter(() => get(new http.Agent({ keepAlive: true }))),
};
for (const [client, ms] of Object.entries(results)) console.log(JSON.stringify({ client, closedIdleAfterMs: ms }));
await pool.close();
server.closeAllConnections();
server.close();
