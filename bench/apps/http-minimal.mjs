// The smallest holdfast worker: node:http on the inherited "http" socket, answering "ok".
import http from 'node:http';
import { serve } from '@holdfast/http-adapter';

await serve(http.createServer((_req, res) => res.end('ok')), { name: 'http' });
