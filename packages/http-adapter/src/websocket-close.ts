/**
 * The `ws` WebSocket on a connection an 'upgrade' listener took, and the close code the default drain sends it.
 */

/** WebSocket close code sent to `ws` clients by the default drain: 1001 "going away" (RFC 6455 §7.4.1). */
export const WS_GOING_AWAY = 1001;

/** A `ws` WebSocket as the default drain needs it (ws keeps it on the socket under Symbol('websocket')). */
export interface WsLike { readyState: number; close(code?: number, reason?: string): void }

export function webSocketOf(socket: object): WsLike | undefined {
  const sym = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'websocket');
  const ws = sym ? (socket as Record<symbol, unknown>)[sym] as WsLike | undefined : undefined;
  return ws && typeof ws.close === 'function' && typeof ws.readyState === 'number' ? ws : undefined;
}
