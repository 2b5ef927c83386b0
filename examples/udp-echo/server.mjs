// UDP echo. Under holdfast it reads the inherited "echo" socket; datagrams that arrive while no worker reads
// wait in the held socket's receive buffer (2 MiB by default) for the next generation.
import dgram from 'node:dgram';
import { serve } from '@holdfast/http-adapter';

const socket = dgram.createSocket('udp4');
socket.on('message', (msg, rinfo) => socket.send(msg, rinfo.port, rinfo.address));

await serve(socket, { name: 'echo', fallback: 'udp://127.0.0.1:4000' });
