import { readdirSync } from 'node:fs';
import { reapChild, setChildSubreaper } from '@holdfast/native';
import type { Logger } from 'pino';
import { logWarning } from './warnings.js';
import { procStat } from './proc-stat.js';

/**
 * Orphans are the holder's business (invariant 5). The holder makes itself a child subreaper
 * (PR_SET_CHILD_SUBREAPER), so a worker's double-forked or setsid()-escaped descendants are reparented to it
 * instead of init; as PID 1 in a container it gets every orphan anyway. Node reaps only the children it spawned,
 * so this reaps the other zombies, and on the holder's final stop ends the live ones: SIGTERM, then SIGKILL after
 * `graceMs`. Event-driven: a child of ours that dies sends SIGCHLD (signal(7)), and only then is /proc scanned,
 * so an idle holder never wakes up for it. Signals coalesce, but one always follows the last zombie's death.
 */
export class OrphanReaper {
  private scheduled: NodeJS.Immediate | null = null;
  private readonly onSigchld = () => { this.scheduled ??= setImmediate(() => { this.scheduled = null; this.reap(); }); };
  private listening = false;
  /** Zombies reaped so far. */
  reaped = 0;

  /** `isWorker(pid)`: pids child_process spawned and libuv will reap; never touched here. */
  constructor(private readonly isWorker: (pid: number) => boolean, private readonly log: Logger) {}

  start(): void {
    try {
      setChildSubreaper(true);
    } catch (err) {
      logWarning(this.log, 'WARN_HOLDFAST_NO_SUBREAPER', { err: (err as Error).message }, 'cannot become a child subreaper; orphans of workers go to init');
    }
    // libuv keeps its own SIGCHLD watcher for the children it spawned; this one is added beside it.
    process.on('SIGCHLD', this.onSigchld);
    this.listening = true;
    this.reap(); // zombies that died before we listened
  }

  /** Children of the holder that are not workers: live orphans and zombies. */
  private orphans(): { pid: number; zombie: boolean }[] {
    const out: { pid: number; zombie: boolean }[] = [];
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      const pid = Number(d);
      const st = procStat(pid);
      if (st && st.ppid === process.pid && !this.isWorker(pid)) out.push({ pid, zombie: st.state === 'Z' });
    }
    return out;
  }

  /** Reap every zombie orphan now. */
  reap(): number {
    let n = 0;
    for (const o of this.orphans()) {
      if (o.zombie && reapChild(o.pid)) n++;
    }
    if (n > 0) this.log.debug({ reaped: n }, 'reaped orphaned processes');
    this.reaped += n;
    return n;
  }

  /** Final stop: SIGTERM to every live orphan, SIGKILL to those left after `graceMs`, reap them all. */
  async endOrphans(graceMs = 2000): Promise<number> {
    const live = this.orphans().filter((o) => !o.zombie).map((o) => o.pid);
    if (live.length > 0) this.log.info({ pids: live }, `ending ${live.length} orphaned process(es) left by workers`);
    const signal = (sig: NodeJS.Signals) => { for (const pid of live) { try { process.kill(pid, sig); } catch { /* gone */ } } };
    signal('SIGTERM');
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && this.orphans().some((o) => !o.zombie)) await new Promise((r) => setTimeout(r, 50));
    if (this.orphans().some((o) => !o.zombie)) signal('SIGKILL');
    await new Promise((r) => setTimeout(r, 50));
    this.reap();
    return live.length;
  }

  stop(): void {
    if (this.listening) process.off('SIGCHLD', this.onSigchld);
    this.listening = false;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
  }
}
