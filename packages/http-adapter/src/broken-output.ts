/**
 * A worker's stdout and stderr are pipes to its holder (`--output pipe`, the default); when the holder dies they
 * break, and Node's default for an EPIPE on process.stdout/stderr is an uncaught exception: the worker would die at
 * its next write (a log line, a warning) with its requests in flight, instead of draining. Under a holder an EPIPE
 * on either only drops that output (the holder's own rule for a broken destination); any other error is thrown as
 * before.
 */
let installed = false;

/** Install the rule once (holder-guard.ts does, in every process a holder started, wrappers' children included). */
export function dropOutputOnBrokenPipe(): void {
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') return;
      process.nextTick(() => { throw error; });
    });
  }
}
