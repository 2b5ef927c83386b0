/**
 * Waiting for a server or socket to listen, and the address serve() reports ('tcp://...', 'udp://...', 'unix:...').
 */
import type * as dgram from 'node:dgram';
import type * as net from 'node:net';
import { isDgramSocket } from './builtins.js';
import type { FdInfo } from './native.js';

export function listening<T extends net.Server | dgram.Socket>(emitter: T, start: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      emitter.removeListener('listening', onListening);
      reject(error);
    };
    const onListening = (): void => {
      emitter.removeListener('error', onError);
      resolve();
    };
    emitter.once('error', onError);
    emitter.once('listening', onListening);
    start();
  });
}

/** addressOf() for an fd not attached yet, from what inspectFd saw. */
export function infoAddress(info: FdInfo, datagram: boolean): string {
  if (info.family === 'unix') return `unix:${info.path ?? ''}`;
  const host = info.family === 'inet6' ? `[${info.address}]` : info.address;
  return `${datagram ? 'udp' : 'tcp'}://${host}:${info.port}`;
}

export function addressOf(target: net.Server | dgram.Socket): string {
  const a = target.address();
  if (a === null) return 'unknown';
  if (typeof a === 'string') return `unix:${a}`;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return `${isDgramSocket(target) ? 'udp' : 'tcp'}://${host}:${a.port}`;
}
