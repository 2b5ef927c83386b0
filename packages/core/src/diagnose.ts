import { HoldfastError, type HoldfastErrorCode } from './errors.js';
import type { ExitInfo } from './worker.js';
import { WARMUP_RUNNING_STATUS } from '@holdfast/native/protocol';

/** The common reasons a new generation does not get ready, as `diagnosis.cause` names them. */
export type FailureCause =
  | 'bound-held-address' | 'bound-other-address' | 'cluster' | 'module-not-found' | 'syntax-error'
  | 'exited-0-before-ready' | 'exited-after-ready' | 'never-ready' | 'exited';

/** What a failure report carries (`error.diagnosis` in the control API, `status --json` and `reload --json`). */
export interface Diagnosis {
  cause: FailureCause;
  /** One sentence: what happened, naming the address, module, file or socket. */
  summary: string;
  /** The fix (also the error's `hint`). */
  hint: string;
  /** The last lines the worker wrote to stderr (empty with `--output inherit`). */
  stderr: string[];
  /** For a worker that never sent READY=1: each held socket and whether the worker waited on it for connections. */
  listening?: { name: string; polled: boolean }[];
}

/** Everything the holder knows about a failed new worker. */
export interface FailureFacts {
  /** `exited-before-ready`, `exited-after-ready` (within --settle) or `ready-timeout`. */
  phase: 'exited-before-ready' | 'exited-after-ready' | 'ready-timeout';
  exit: ExitInfo | null;
  stderr: string[];
  /** The holder's sockets, as status shows them (`bound` like tcp://127.0.0.1:8080). */
  sockets: { name: string; spec: string; bound: string }[];
  /** A process of the worker's group is a node:cluster worker (NODE_UNIQUE_ID in its environment). */
  clusterWorkers: boolean;
  /** ready-timeout only: the held sockets the worker's processes wait on (epoll interest lists). */
  listening: { name: string; polled: boolean }[] | null;
  /** Worker output mode: with `inherit`, the holder has no stderr lines. */
  outputMode: 'pipe' | 'inherit';
  /**
   * A generation serves meanwhile (service-state.ts's generationServing): a rolled-back reload. False at the first
   * start or when nothing serves: then no hint may say "the generation that is serving keeps serving". Default false.
   */
  serving?: boolean;
  /** The register hook was preloaded (a Node command, preload on), and whether --wait-ready was given; null: no hook. */
  hook?: { waitReady: boolean } | null;
  /** The worker's last STATUS= (sd_notify(3)), if it sent one. */
  status?: string | null;
}

// Node: `listen EADDRINUSE: address already in use 127.0.0.1:8080`, `... :::8080`, cluster: `bind EADDRINUSE null:8080`.
const ADDR_IN_USE = /EADDRINUSE\b[^\n]*?\s(\S*):(\d+)(?=[\s'",)]|$)/;

/** host:port of a held TCP/UDP socket's bound address. */
function hostPort(bound: string): { host: string; port: number } | null {
  const m = /^(?:tcp|udp)[46]?:\/\/\[?([^\]]*?)\]?:(\d+)$/.exec(bound);
  return m ? { host: m[1], port: Number(m[2]) } : null;
}

const WILDCARD = new Set(['', 'null', '::', '0.0.0.0', '[::]', 'undefined']);

function addressInUse(f: FailureFacts, text: string): Omit<Diagnosis, 'stderr'> | null {
  const m = ADDR_IN_USE.exec(text);
  if (!m) return null;
  const host = m[1].replace(/^\[|\]$/g, '');
  const port = Number(m[2]);
  const address = `${host && host !== 'null' ? (host.includes(':') ? `[${host}]` : host) : '*'}:${port}`;
  const held = f.sockets.find((s) => {
    const hp = hostPort(s.bound);
    return hp !== null && hp.port === port && (hp.host === host || WILDCARD.has(host) || WILDCARD.has(hp.host));
  });
  if (held) {
    return {
      cause: 'bound-held-address',
      summary: `the worker tried to bind ${address} itself, but the holder already holds that address as socket "${held.name}" (${held.bound})`,
      hint: `Serve on the inherited socket instead of listening on a port: serve() or listenFds() of @holdfast/http-adapter, or server.listen({ fd: 3 }) (LISTEN_FDS, sd_listen_fds(3)); a second socket on a held address is never shared.`,
    };
  }
  const spec = `tcp://${host && !WILDCARD.has(host) ? (host.includes(':') ? `[${host}]` : host) : '0.0.0.0'}:${port}`;
  return {
    cause: 'bound-other-address',
    summary: `the worker binds ${address}, which the holder does not hold, so the generation that is serving still has it (EADDRINUSE)`,
    hint: `Let the holder hold it: add -l NAME=${spec} (any NAME, e.g. admin) and serve it from the inherited fd of that name (LISTEN_FDNAMES); then every generation shares it.`,
  };
}

/** " The generation that is serving keeps serving." when one does (a rollback), else nothing: never claim one that is not. */
function keepsServing(f: FailureFacts, sentence = ' The generation that is serving keeps serving.'): string {
  return f.serving ? sentence : '';
}

/** The held sockets named in `names` (quoted or not) with their bound addresses: `"http" (tcp://127.0.0.1:8080)`. */
function heldAddresses(f: FailureFacts, names: string[]): string {
  return names.map((q) => { const n = q.replace(/^"|"$/g, ''); const s = f.sockets.find((x) => x.name === n); return s ? `"${n}" (${s.bound})` : `"${n}"`; }).join(', ');
}

function exitText(e: ExitInfo | null): string {
  if (!e) return 'is still running';
  return e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
}

/**
 * Name the likely cause of a failed start or rolled-back reload from the worker's last stderr lines, its exit and
 * what /proc showed, and the fix. The hint always matches the phase (never "before it was ready" for a worker
 * that sent READY=1). Pure: all facts come in `f`.
 */
export function diagnose(f: FailureFacts): Diagnosis {
  const text = f.stderr.join('\n');
  const stderr = f.stderr;
  const noLines = f.outputMode === 'inherit' ? ' (its stderr went straight to the holder\'s: --output inherit)' : '';
  if (f.clusterWorkers || /node:internal\/cluster|node:cluster|listenOnPrimaryHandle/.test(text)) {
    return {
      cause: 'cluster', stderr,
      summary: 'the worker uses node:cluster: its cluster workers do not get the held sockets (LISTEN_PID names the primary) and bind the address themselves',
      hint: 'Drop node:cluster and let holdfast run the processes: --workers N starts N workers that share the held sockets, and reloads them one by one.',
    };
  }
  const inUse = addressInUse(f, text);
  if (inUse) return { ...inUse, stderr };
  const mod = /Cannot find (?:module|package) '([^']+)'(?: imported from (\S+))?/.exec(text);
  if (mod || /ERR_MODULE_NOT_FOUND|MODULE_NOT_FOUND/.test(text)) {
    return {
      cause: 'module-not-found', stderr,
      summary: mod ? `module '${mod[1]}' was not found${mod[2] ? ` (imported from ${mod[2]})` : ''}` : 'a module was not found',
      hint: `Install the release's dependencies in its directory (npm ci, pnpm install) before the ${f.serving ? 'reload' : 'start'}, or fix the import path${keepsServing(f, '; the generation that is serving keeps its own')}.`,
    };
  }
  // Node prints FILE:LINE, the line and a caret, then the error; an ES module's 'Unexpected end of input' comes with
  // empty lines instead of the source and caret.
  const syn = /(?:^|\n)(\S+?:\d+)\n[^\n]*\n\s*\^+\s*\n+SyntaxError: ([^\n]+)/.exec(text)
    ?? /(?:^|\n)((?:file:\/\/)?\/\S+?:\d+)\n(?:[ \t]*\n)*SyntaxError: ([^\n]+)/.exec(text)
    ?? /SyntaxError: ([^\n]+)/.exec(text);
  if (syn) {
    const where = syn.length > 2 ? syn[1] : null;
    const what = syn.length > 2 ? syn[2] : syn[1];
    return {
      cause: 'syntax-error', stderr,
      summary: `a syntax error${where ? ` in ${where}` : ''}: ${what}`,
      hint: `Fix the file; \`node --check ${where ? where.replace(/^file:\/\//, '').replace(/:\d+$/, '') : 'FILE'}\` finds it before a deploy.${keepsServing(f)}`,
    };
  }
  if (f.phase === 'ready-timeout' && f.status?.startsWith(WARMUP_RUNNING_STATUS)) {
    // The adapter says so before its warm-up (warmup.ts) and replaces that STATUS= when the warm-up is over.
    return {
      cause: 'never-ready', stderr, listening: f.listening ?? undefined,
      summary: `its warm-up was still running when the deadline came (its STATUS=: ${f.status})`,
      hint: 'READY=1 comes after the warm-up: raise --ready-timeout, or lower --warmup-count (each generation runs it). A warm-up request that does not answer within 5 s ends the warm-up; one that answers slowly does not.',
    };
  }
  if (f.phase === 'ready-timeout') {
    const polled = (f.listening ?? []).filter((l) => l.polled).map((l) => `"${l.name}"`);
    const idle = (f.listening ?? []).filter((l) => !l.polled).map((l) => `"${l.name}"`);
    if (f.hook?.waitReady) {
      // --wait-ready: the hook sends READY=1 on process.send('ready') (PM2's wait_ready), not on listen().
      return {
        cause: 'never-ready', stderr, listening: f.listening ?? undefined,
        summary: `it never called process.send('ready') (--wait-ready)${polled.length > 0 ? `, though it waits for connections on the held socket ${heldAddresses(f, polled)}` : ` and never listened on ${idle.length ? `the held socket ${heldAddresses(f, idle)}` : 'a held socket'}`}${noLines}`,
        hint: 'With --wait-ready, READY=1 is sent when the app calls process.send(\'ready\') once its start-up is done; make it do so (or drop --wait-ready to be ready at listen()). If it is still waiting on a dependency at start-up (a database, a queue), that is why; if it only starts slowly, raise --ready-timeout.',
      };
    }
    if (f.hook && polled.length === 0) {
      // The register hook sends READY=1 at the app's listen() on a held address: the app never got that far.
      return {
        cause: 'never-ready', stderr, listening: f.listening ?? undefined,
        summary: `it never called listen() on the held address ${idle.length ? heldAddresses(f, idle) : ''}`.trimEnd() + noLines,
        hint: 'The register hook is preloaded: READY=1 is sent when the app calls listen() (server.listen(PORT), app.listen(...)) on a held address, and this app never did within --ready-timeout. It is probably still waiting on something at start-up (a database, a queue, a file) or listens only after a step that never finished; its output says how far it got. If it only starts slowly, raise --ready-timeout.',
      };
    }
    if (polled.length > 0) {
      return {
        cause: 'never-ready', stderr, listening: f.listening ?? undefined,
        summary: `it waits for connections on the held socket ${polled.join(', ')} but never sent READY=1`,
        hint: 'Send READY=1 (sd_notify(3)) once it serves: serve() of @holdfast/http-adapter does, or notify(\'READY=1\'); a wrapper must pass NOTIFY_SOCKET on to the process that serves.',
      };
    }
    return {
      cause: 'never-ready', stderr, listening: f.listening ?? undefined,
      summary: `it never sent READY=1 and never listened on ${idle.length ? `the held socket ${idle.join(', ')}` : 'a held socket'}${noLines}`,
      hint: 'Serve on the inherited fds (3.., named by LISTEN_FDNAMES) with serve() or listenFds() of @holdfast/http-adapter and send READY=1 once serving; if it only starts slowly, raise --ready-timeout.',
    };
  }
  if (f.phase === 'exited-after-ready') {
    return {
      cause: 'exited-after-ready', stderr,
      summary: `it sent READY=1, then ${exitText(f.exit)} within the --settle time${noLines}`,
      hint: `It crashed just after it became ready; its last stderr lines say why.${keepsServing(f, ' The generation that was serving keeps serving.')}`,
    };
  }
  if (f.exit?.code === 0) {
    return {
      cause: 'exited-0-before-ready', stderr,
      summary: 'it ran to its end (nothing kept it serving), or it started the server in the background and returned',
      hint: 'The worker\'s process must keep serving and send READY=1 (serve() of @holdfast/http-adapter does); a wrapper script must exec the server, not start it in the background.',
    };
  }
  // SIGKILL leaves a process no time to write a word: its stderr cannot say why; the kernel's log can.
  const killed = f.exit?.signal === 'SIGKILL' && stderr.length === 0;
  return {
    cause: 'exited', stderr,
    summary: `it ${exitText(f.exit)} before it was ready${noLines}`,
    hint: killed
      ? `SIGKILL came from outside the worker (the kernel's OOM killer, a memory limit, a person or a script) and left it no last words; \`dmesg\` or \`journalctl -k\` shows an OOM kill.${keepsServing(f, ' The generation that was serving keeps serving.')}`
      : `Its last stderr lines (with the failure report, and \`holdfast logs\`) say why.${keepsServing(f, ' The generation that was serving keeps serving.')}`,
  };
}

/**
 * A failed start or rolled-back reload with its {@link Diagnosis}: the message ends with the summary, the hint is
 * the diagnosis's, and `toJSON()` (control API, status) carries the diagnosis with the stderr lines.
 */
export class WorkerFailureError extends HoldfastError {
  constructor(code: HoldfastErrorCode, message: string, readonly diagnosis: Diagnosis, options: { cause?: unknown } = {}) {
    super(code, `${message}: ${diagnosis.summary}`, { ...options, hint: diagnosis.hint });
  }

  override toJSON(): { code: string; message: string; hint: string; diagnosis: Diagnosis } {
    return { ...super.toJSON(), diagnosis: this.diagnosis };
  }
}
