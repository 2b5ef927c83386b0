// reapChild and setChildSubreaper, in a child node process (becoming a subreaper is for the whole process).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const native = fileURLToPath(new URL('../dist/index.js', import.meta.url));

it('a subreaper adopts an orphan and reaps it once it exits; reapChild is false for a running or foreign pid', () => {
  const script = `
    import { reapChild, setChildSubreaper } from ${JSON.stringify(native)};
    import { spawn } from 'node:child_process';
    import { readFileSync } from 'node:fs';
    setChildSubreaper(true);
    const st = (pid) => { try { return readFileSync('/proc/' + pid + '/stat', 'utf8').split(') ')[1].split(' ').slice(0, 2); } catch { return null; } };
    const sh = spawn('sh', ['-c', 'sleep 0.3 & echo $!'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let pid = 0;
    sh.stdout.on('data', (d) => { pid = Number(String(d).trim()); });
    sh.on('exit', () => {
      const adopted = st(pid)[1] === String(process.pid);
      const whileRunning = reapChild(pid);
      setTimeout(() => {
        const zombie = st(pid)[0] === 'Z';
        const reaped = reapChild(pid);
        console.log(JSON.stringify({ adopted, whileRunning, zombie, reaped, gone: st(pid) === null, foreign: reapChild(1) }));
      }, 700);
    });`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(JSON.parse(r.stdout)).toEqual({ adopted: true, whileRunning: false, zombie: true, reaped: true, gone: true, foreign: false });
});
