/**
 * Giving an http.Server, before the warm-up, the properties its listen() will add, so that listening on the held
 * fd after the warm-up changes no property of the server, only values. Code V8 optimised during the warm-up checks
 * the server's shape (`server.keepAliveTimeout`, `socket.server[kIncomingMessage]`, ...); a property added at listen()
 * gives the server a new shape and throws that code away on the first real request. Node 20-24 add, on listen:
 * `_connectionKey` (net.Server) and, from the 'listening' listener setupConnectionsTracking (http.Server), the
 * connection list and its timeout-checking interval. Both steps are idempotent: listen() later sets the same
 * properties to their real values.
 */
import type * as http from 'node:http';

/** The http.Server's own 'listening' listener that sets up its connection list (Node 18.17+). */
const TRACKING_LISTENER = 'setupConnectionsTracking';

/**
 * Add to a server that does not listen yet the properties listen() adds (see the file's comment). A server that
 * listens already, or a Node whose internals differ, is left as it is: the warm-up only loses some of its effect.
 */
export function shapeAsListening(server: http.Server): void {
  if (server.listening) return;
  const s = server as unknown as { _connectionKey?: string };
  const track = server.listeners('listening').find((f) => f.name === TRACKING_LISTENER);
  // Its interval is unref'd (it never keeps the process alive) and replaced by listen(); close() clears it.
  if (track) (track as (this: http.Server) => void).call(server);
  if (s._connectionKey === undefined) s._connectionKey = '';
}
