// Object shapes (V8 hidden classes) the new generation's code is optimised for: a connection moved in by the
// hand-over, a connection accepted on the held socket and a warm-up connection must have the same shape, and
// listening on the held fd after the warm-up must add no property to the server. Any difference throws away the
// code the warm-up optimised at the first real request (the cold phase after a reload, docs/measurements.md).
// %HaveSameMap is V8's own comparison, enabled for this file with --allow-natives-syntax at run time.
import * as http from 'node:http';
import * as net from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { afterEach, expect, it } from 'vitest';
import { dupFd } from '@holdfast/native';
import { adoptConnection } from '../../src/connection-handover.js';
import { openWarmupSocket } from '../../src/warmup-socket.js';
import { shapeAsListening } from '../../src/warmup-shape.js';

setFlagsFromString('--allow-natives-syntax');
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

const closers: (() => unknown)[] = [];
afterEach(async () => { for (const c of closers.splice(0)) await c(); });

/** One keep-alive request on `client`; resolves once the whole answer has arrived. */
function roundTrip(client: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    let got = '';
    const onData = (d: Buffer): void => { got += d; if (got.endsWith('ok')) { client.off('data', onData); resolve(); } };
    client.on('data', onData);
    client.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
  });
}

it('a moved-in connection, an accepted one and a warm-up one have the same shape; listen() adds no property', async () => {
  const server = http.createServer((_req, res) => { res.setHeader('content-length', '2'); res.end('ok'); });
  const connections: net.Socket[] = [];
  server.on('connection', (s: net.Socket) => connections.push(s));
  closers.push(() => { server.closeAllConnections(); server.close(); });

  // The warm-up, as serve() runs it before attaching the held fd.
  shapeAsListening(server);
  const warmup = await openWarmupSocket(server, 1, 'tcp');
  expect(await warmup.send({ url: '/' }, {}, 2000)).toBe(200);
  const warm = connections[0]!;
  const keysBeforeListen = Reflect.ownKeys(server);

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  expect(Reflect.ownKeys(server)).toEqual(keysBeforeListen);
  const { port } = server.address() as net.AddressInfo;

  // Accepted on the listening socket.
  const c1 = net.connect(port, '127.0.0.1');
  closers.push(() => c1.destroy());
  await new Promise((resolve) => server.once('connection', resolve));
  const accepted = connections[connections.length - 1]!;
  await roundTrip(c1);

  // Moved in: accepted elsewhere (another process in real life), its fd adopted by this server.
  const side = net.createServer({ pauseOnConnect: true });
  closers.push(() => side.close());
  await new Promise<void>((resolve) => side.listen(0, '127.0.0.1', resolve));
  const c2 = net.connect((side.address() as net.AddressInfo).port, '127.0.0.1');
  closers.push(() => c2.destroy());
  const raw = await new Promise<net.Socket>((resolve) => side.once('connection', resolve));
  // A duplicate, as the hand-over's SCM_RIGHTS gives: the adopted socket owns it, `raw` keeps its own.
  const fd = dupFd((raw as unknown as { _handle: { fd: number } })._handle.fd);
  const adopted = adoptConnection(server, fd);
  closers.push(() => raw.destroy());
  await roundTrip(c2);

  expect(haveSameMap(adopted, accepted)).toBe(true);
  expect(haveSameMap(warm, accepted)).toBe(true);
  const serverOf = (s: net.Socket): object => (s as unknown as { server: object }).server;
  expect(haveSameMap(serverOf(adopted), serverOf(accepted))).toBe(true);
  await warmup.close();
});
