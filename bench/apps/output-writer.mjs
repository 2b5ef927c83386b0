// Writes LINES lines of BYTES bytes (newline included) to stdout, one write() per line as a logger does, as fast
// as the pipe takes them. Under holdfast it first sends READY=1 and waits WAIT_MS, then writes and stays up;
// run directly it writes at once and exits.
import { notify } from '@holdfast/http-adapter';

const [lines, bytes] = process.argv.slice(2).map(Number);
const line = `${'x'.repeat(bytes - 1)}\n`;
const held = Boolean(process.env.NOTIFY_SOCKET);
if (held) {
  notify('READY=1');
  await new Promise((r) => setTimeout(r, Number(process.env.WAIT_MS ?? 1000)));
}
for (let i = 0; i < lines; i++) {
  if (!process.stdout.write(line)) await new Promise((r) => process.stdout.once('drain', r));
}
if (held) setInterval(() => {}, 60_000);
