// UDP echo (as examples/udp-echo): reads the inherited "echo" socket under holdfast.
import dgram from 'node:dgram';
import { serve } from '@holdfast/http-adapter';

const socket = dgram.createSocket('udp4');
socket.on('message', (msg, rinfo) => socket.send(msg, rinfo.port, rinfo.address));
await serve(socket, { name: 'echo', fallback: `udp://127.0.0.1:${Number(process.env.PORT ?? 4000)}` });
