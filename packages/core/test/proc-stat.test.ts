// descendants(): the process tree below a pid read from /proc (real processes), as the final stop uses it to end
// what workers left behind: a setsid'd grandchild counts, a pruned subtree and the parent of the root do not.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { descendants } from '../src/proc-stat.js';

const sh = spawn('sh', ['-c', 'setsid sh -c "sleep 61.5; true" & sleep 62.5 & wait'], { stdio: 'ignore' });
afterAll(() => { for (const pid of [...descendants(sh.pid!).map((p) => p.pid), sh.pid!]) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } } });

const argv = (pid: number) => { try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'); } catch { return []; } };
const sleeps = (list: { pid: number }[]) => list.flatMap((p) => argv(p.pid)).filter((a) => a === '61.5' || a === '62.5').sort();

it('finds children, grandchildren in another session, and leaves out pruned subtrees and ancestors', async () => {
  for (let i = 0; i < 100 && sleeps(descendants(process.pid)).length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  const all = descendants(process.pid);
  expect(sleeps(all)).toEqual(['61.5', '62.5']);
  const escaped = all.find((p) => argv(p.pid).includes('61.5'))!;
  expect(escaped.session).not.toBe(all.find((p) => p.pid === sh.pid)!.session); // setsid: its own session
  expect(all.map((p) => p.pid)).not.toContain(process.pid);
  expect(all.map((p) => p.pid)).not.toContain(process.ppid);
  expect(descendants(process.pid, (pid) => pid === sh.pid)).toEqual([]);
});
