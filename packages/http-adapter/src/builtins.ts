/**
 * The Node built-ins the adapter needs for some apps only: node:dgram, node:https (which loads tls and crypto),
 * node:cluster. Every worker under a holder preloads the register hook, so importing them at the top of a module
 * would cost each worker start-up their load (several ms each) whether the app uses them or not. Each test
 * below looks at the value first and loads the built-in only when the value can be one of its objects, in which case
 * the app has loaded that built-in already (and require() returns it from the cache). The answers are those of
 * `instanceof` on the built-in's class.
 */
import { createRequire } from 'node:module';
import type Cluster from 'node:cluster';
import type * as Dgram from 'node:dgram';
import type * as Https from 'node:https';

const require = createRequire(import.meta.url);

/** node:dgram, loaded on first call. */
export const dgramModule = (): typeof Dgram => require('node:dgram') as typeof Dgram;

/** `value instanceof dgram.Socket`; loads node:dgram only for an object with a dgram socket's methods. */
export function isDgramSocket(value: unknown): value is Dgram.Socket {
  const v = value as { addMembership?: unknown; send?: unknown } | null;
  return typeof v === 'object' && v !== null && typeof v.addMembership === 'function' && typeof v.send === 'function' &&
    v instanceof dgramModule().Socket;
}

/** `value instanceof https.Server`; loads node:https only for a TLS server (https.Server extends tls.Server, whose
 * instances alone have setSecureContext). */
export function isHttpsServer(value: unknown): value is Https.Server {
  const v = value as { setSecureContext?: unknown } | null;
  return typeof v === 'object' && v !== null && typeof v.setSecureContext === 'function' &&
    v instanceof (require('node:https') as typeof Https).Server;
}

/** `cluster.isWorker`; loads node:cluster only in a process with an IPC channel, as every cluster worker has (Node loads
 * node:cluster itself in a cluster worker, before the app runs). */
export function isClusterWorker(): boolean {
  return process.channel !== undefined && (require('node:cluster') as typeof Cluster).isWorker;
}
