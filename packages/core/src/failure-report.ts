import { diagnose, WorkerFailureError, type FailureFacts } from './diagnose.js';
import type { HoldfastError } from './errors.js';
import { isClusterWorker, polledInodes, processGroup } from './proc-inspect.js';
import { socketInodeOfFd } from './proc-sockets.js';
import type { HeldSocket } from './socket-table.js';
import type { Worker } from './worker.js';
import type { WorkerOutput } from './worker-output.js';

/**
 * The supervisor's `explainFailure` hook: gather the facts about a failed new worker (its last stderr lines, its
 * process group from /proc, which held sockets it waits on) and return the error with a diagnosis.
 *
 * Whether a worker listened on a held socket: every worker shares the holder's one listening socket (Invariant 2),
 * which is already listening, so listen(2) leaves no trace of its own. What does: a server waits for connections
 * by registering the socket in its event loop's epoll set, so the held socket's inode (socket:[INODE] of the
 * holder's fd) appears with EPOLLIN in the `tfd:` lines of /proc/PID/fdinfo of an eventpoll fd of some process of
 * the worker's group. A program that blocks in accept(2) without epoll would show as not listening.
 * `serving()` says whether a generation serves meanwhile (service-state.ts's generationServing): the hints claim
 * one keeps serving only then.
 */
export function failureReporter(sockets: HeldSocket[], output: WorkerOutput, serving: () => boolean): (w: Worker, err: HoldfastError) => Promise<HoldfastError> {
  return async (w, err) => {
    const timeout = err.code === 'ERR_HOLDFAST_READY_TIMEOUT';
    const group = w.exitInfo ? [] : processGroup(w.pid);
    let listening: FailureFacts['listening'] = null;
    if (timeout) {
      const polled = new Set<number>();
      for (const pid of group) for (const ino of polledInodes(pid)) polled.add(ino);
      listening = sockets.map((s) => ({ name: s.name, polled: polled.has(socketInodeOfFd(s.fd) ?? -1) }));
    }
    const facts: FailureFacts = {
      phase: timeout ? 'ready-timeout' : w.readyAt !== null ? 'exited-after-ready' : 'exited-before-ready',
      exit: w.exitInfo,
      stderr: await output.stderrTail(w.pid, 20, w.exitInfo ? 500 : 0),
      sockets: sockets.map((s) => ({ name: s.name, spec: s.spec, bound: s.bound })),
      clusterWorkers: group.some((pid) => pid !== w.pid && isClusterWorker(pid)),
      listening,
      outputMode: output.opts.mode,
      serving: serving(),
      hook: w.hook,
      status: w.statusText,
    };
    return new WorkerFailureError(err.code, err.message, diagnose(facts), { cause: err });
  };
}
