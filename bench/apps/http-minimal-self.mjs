// The smallest app listening itself: node:http on $PORT answering "ok" (PM2's side of the idle footprint;
// apps/http-minimal.mjs is the same app under holdfast).
import http from 'node:http';

http.createServer((_req, res) => res.end('ok')).listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
