import { readdirSync } from 'node:fs';
import { reapChild, setChildSubreaper } from '@holdfast/native';
import type { Logger } from 'pino';
import { logWarning } from './warnings.js';
import { descendants, procStat, type ProcStat } from './proc-stat.js';

/** After SIGKILL, how long the final stop waits for the processes to be gone before it names the survivors (ms). */
const KILL_WAIT_MS = 1000;
/** How often the final stop looks at the process tree again while it ends orphans (ms). */
const SCAN_MS = 50;

/**
 * Orphans are the holder's business (invariant 5). The holder makes itself a child subreaper
 * (PR_SET_CHILD_SUBREAPER), so a worker's double-forked or setsid()-escaped descendants are reparented to it
 * instead of init; as PID 1 in a container it gets every orphan anyway. Node reaps only the children it spawned,
 * so this reaps the other zombies, and on the holder's final stop ends the live ones with all their descendants:
 * SIGTERM, then SIGKILL after `graceMs` (endOrphans()). Event-driven: a child of ours that dies sends SIGCHLD (signal(7)), and only then is /proc scanned,
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

  /**
   * Final stop (the workers are gone): end every live process below the holder in the process tree, which is every
   * orphan reparented to it and everything those started, whatever session or process group they moved to
   * (setsid). SIGTERM (and SIGCONT, for a stopped one) to each once, then, `graceMs` after the start, SIGKILL;
   * the tree is read again every SCAN_MS, so a process that appears meanwhile (the child of a killed shell,
   * reparented to the holder) is signalled too. Resolves when none is left, or KILL_WAIT_MS after the SIGKILL
   * with WARN_HOLDFAST_ORPHANS_SURVIVED naming the survivors (a process in uninterruptible sleep).
   *
   * Only descendants are signalled: membership is read from /proc just before each round, never assumed from a
   * process group or session id (an unrelated process may reuse one). A direct child that leads its process
   * group is also signalled as a group: its pid, and so its group id, cannot be reused before the holder reaps
   * it, and the group signal reaches members forked after the scan.
   * @returns how many processes were ended (or left, see the warning).
   */
  async endOrphans(graceMs = 2000): Promise<number> {
    const started = Date.now();
    const seen = new Set<number>();
    const termed = new Set<number>();
    let killedAt: number | null = null;
    for (;;) {
      this.reap();
      const live = this.escaped();
      if (live.length === 0) break;
      const fresh = live.filter((p) => !seen.has(p.pid));
      for (const p of fresh) seen.add(p.pid);
      if (fresh.length > 0) {
        this.log.info({ pids: fresh.map((p) => p.pid) }, seen.size === fresh.length
          ? `ending ${fresh.length} orphaned process(es) left by workers` : `ending ${fresh.length} more orphaned process(es) that appeared meanwhile`);
      }
      const now = Date.now();
      if (killedAt === null && now - started >= graceMs) killedAt = now;
      if (killedAt !== null && now - killedAt >= KILL_WAIT_MS) {
        logWarning(this.log, 'WARN_HOLDFAST_ORPHANS_SURVIVED', { pids: live.map((p) => p.pid) },
          `${live.length} orphaned process(es) still running ${KILL_WAIT_MS} ms after SIGKILL: ${live.map((p) => p.pid).join(', ')}`);
        break;
      }
      for (const p of live) {
        if (killedAt === null && termed.has(p.pid)) continue;
        this.signal(p, killedAt === null ? 'SIGTERM' : 'SIGKILL');
        termed.add(p.pid);
      }
      await new Promise((r) => setTimeout(r, SCAN_MS));
    }
    this.reap();
    return seen.size;
  }

  /** Live processes below the holder that are not workers (nor below a worker): orphans and their descendants. */
  private escaped(): (ProcStat & { pid: number })[] {
    return descendants(process.pid, (pid) => this.isWorker(pid)).filter((p) => p.state !== 'Z');
  }

  private signal(p: ProcStat & { pid: number }, sig: 'SIGTERM' | 'SIGKILL'): void {
    const send = (target: number, s: NodeJS.Signals) => { try { process.kill(target, s); } catch { /* gone */ } };
    const group = p.ppid === process.pid && p.pgrp === p.pid;
    if (group) send(-p.pid, sig);
    send(p.pid, sig);
    if (sig === 'SIGTERM') {
      if (group) send(-p.pid, 'SIGCONT');
      send(p.pid, 'SIGCONT');
    }
  }

  stop(): void {
    if (this.listening) process.off('SIGCHLD', this.onSigchld);
    this.listening = false;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
  }
}
