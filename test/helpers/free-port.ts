// A TCP port for a test to hand to a holder or an app before either binds it.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The kernel's ephemeral port range (ip(7) ip_local_port_range): the local ports of outgoing connections. */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low > 0 && high >= low) return [low, high];
  } catch { /* not Linux */ }
  return [32768, 60999];
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/**
 * A port free right now on 127.0.0.1 and outside the ephemeral range. A port the kernel picked (listen(0)) or any
 * port in that range can be taken, between the check and the holder's bind, as the local port of some other test's
 * client connection, and bind() then fails with EADDRINUSE whatever SO_REUSEADDR says.
 */
export async function freePort(): Promise<number> {
  const [low] = ephemeralRange();
  const from = Math.min(10_000, low - 1000);
  for (let i = 0; i < 100; i++) {
    const port = from + Math.floor(Math.random() * (low - from));
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port found between ${from} and ${low - 1}`);
}
