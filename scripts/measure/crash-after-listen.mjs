// The app of rolled-back-deploy-resets.mjs: serves; with "crash" in $MODE_FILE at start it listens, says READY=1,
// accepts for 100 ms and exits 1 (inside the holder's settle time, so the deploy is rolled back).
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { serve } from '@holdfast/http-adapter';

const mode = readFileSync(process.env.MODE_FILE, 'utf8').trim();
const server = http.createServer((req, res) => res.end(`${process.pid}\n`));
await serve(server, { name: 'http' });
if (mode === 'crash') setTimeout(() => process.exit(1), 100);
