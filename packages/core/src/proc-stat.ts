import { readdirSync, readFileSync } from 'node:fs';

/** Fields of /proc/<pid>/stat (proc(5)): state (R, S, D, Z, ...), parent pid, process group id, session id. */
export interface ProcStat { state: string; ppid: number; pgrp: number; session: number }

/**
 * State, parent pid and process group of a process from /proc/<pid>/stat (proc(5)), or null if it is gone. The
 * command name in field 2 may contain spaces and parentheses, so fields are counted from the last ')'.
 */
export function procStat(pid: number): ProcStat | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: f[0], ppid: Number(f[1]), pgrp: Number(f[2]), session: Number(f[3]) };
  } catch {
    return null;
  }
}

/** The children of `pid` now (/proc/<pid>/task/<tid>/children of each thread, proc(5)); empty if it is gone. */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[] = [];
  try { tasks = readdirSync(`/proc/${pid}/task`); } catch { return out; }
  for (const t of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ')) if (c.trim()) out.push(Number(c));
    } catch { /* gone */ }
  }
  return out;
}

/**
 * Every process below `root` in the process tree at this moment: its children, their children and so on (an orphan
 * counts below the subreaper it was reparented to), each with its /proc/<pid>/stat fields. Subtrees under a pid
 * `prune` says true for are left out (they are accounted elsewhere). Zombies included.
 */
export function descendants(root: number, prune: (pid: number) => boolean = () => false): (ProcStat & { pid: number })[] {
  const out: (ProcStat & { pid: number })[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const pid of childPids(queue.shift()!)) {
      if (pid === root || prune(pid)) continue;
      const st = procStat(pid);
      if (!st) continue;
      out.push({ pid, ...st });
      queue.push(pid);
    }
  }
  return out;
}
