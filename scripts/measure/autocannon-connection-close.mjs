#!/usr/bin/env node
// Does autocannon honour `Connection: close`? A server answers every request with `Connection: close` and closes;
// autocannon (8) keeps writing its next request on the closing socket: that request is neither answered nor counted
// as an error. undici, against the same server, sends every request on a fresh connection and loses none.
// Usage: node scripts/measure/autocannon-connection-close.mjs [seconds=3] [connections=10]
import http from 'node:http';
import autocannon from 'autocannon';
import { request } from 'undici';

const seconds = Number(process.argv[2] ?? 3);
const connections = Number(process.argv[3] ?? 10);
const server = http.createServer((req, res) => { res.setHeader('connection', 'close'); res.end('ok'); });
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/`;

const r = await autocannon({ url, connections, duration: seconds });
const unanswered = r.requests.sent - r.requests.total - r.errors - r.timeouts;
console.log(JSON.stringify({ client: 'autocannon', sent: r.requests.sent, answered: r.requests.total, errors: r.errors, timeouts: r.timeouts, unanswered }));

let ok = 0; let failed = 0;
const end = Date.now() + seconds * 1000;
await Promise.all(Array.from({ length: connections }, async () => {
  while (Date.now() < end) {
    try { const res = await request(url); await res.body.text(); ok++; } catch { failed++; }
  }
}));
console.log(JSON.stringify({ client: 'undici', answered: ok, failed }));
server.close();
