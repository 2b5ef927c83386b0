import { readFileSync } from 'node:fs';

/**
 * State, parent pid and process group of a process from /proc/<pid>/stat (proc(5)), or null if it is gone. The
 * command name in field 2 may contain spaces and parentheses, so fields are counted from the last ')'.
 */
export function procStat(pid: number): { state: string; ppid: number; pgrp: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: f[0], ppid: Number(f[1]), pgrp: Number(f[2]) };
  } catch {
    return null;
  }
}
