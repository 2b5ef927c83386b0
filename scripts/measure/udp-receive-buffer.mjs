#!/usr/bin/env node
// How many small datagrams wait in a UDP socket's receive buffer while nobody reads it (the gap of a restart):
// with the kernel's default SO_RCVBUF and with the 2 MiB holdfast sets for udp:// sockets by default. A burst of
// N 64-byte datagrams is sent to an unread socket, then the socket is read dry.
// Usage: node scripts/measure/udp-receive-buffer.mjs [datagrams=5000]   (needs `pnpm run build` first)
import dgram from 'node:dgram';
import { closeFd, inspectFd, openSocket } from '@holdfast/native';

const total = Number(process.argv[2] ?? 5000);

async function run(receiveBuffer) {
  const fd = openSocket({ family: 'inet', type: 'dgram', host: '127.0.0.1', port: 0, ...(receiveBuffer ? { receiveBuffer } : {}) });
  const { port, receiveBuffer: kernelSays } = inspectFd(fd);
  const client = dgram.createSocket('udp4');
  const payload = Buffer.alloc(64, 1);
  for (let i = 0; i < total; i++) await new Promise((r) => client.send(payload, port, '127.0.0.1', r));
  client.close();
  const reader = dgram.createSocket('udp4');
  let received = 0;
  reader.on('message', () => received++);
  await new Promise((r) => reader.bind({ fd }, r));
  await new Promise((r) => setTimeout(r, 500));
  reader.close();
  return { asked: receiveBuffer ?? 'default', SO_RCVBUF: kernelSays, sent: total, received, lost: total - received };
}

console.log(JSON.stringify(await run(undefined)));
console.log(JSON.stringify(await run(2 * 1024 * 1024)));
