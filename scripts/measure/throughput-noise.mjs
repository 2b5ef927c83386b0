#!/usr/bin/env node
// How much req/s differs between two identical runs on this machine: the same bare node app, measured by
// autocannon n times in a row. The spread is why the bench compares CPU time per request, not req/s.
// Usage: node scripts/measure/throughput-noise.mjs [runs=5] [seconds=5]
import http from 'node:http';
import autocannon from 'autocannon';

const runs = Number(process.argv[2] ?? 5);
const seconds = Number(process.argv[3] ?? 5);
const server = http.createServer((req, res) => res.end('hello\n'));
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/`;
const rps = [];
for (let i = 0; i < runs; i++) rps.push((await autocannon({ url, connections: 50, duration: seconds })).requests.average);
const ratios = rps.slice(1).map((r, i) => +(r / rps[i]).toFixed(2));
console.log(JSON.stringify({ runs, seconds, rps, ratioToPreviousRun: ratios, min: Math.min(...ratios), max: Math.max(...ratios) }));
server.close();
