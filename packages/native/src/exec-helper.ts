/**
 * Location of `holdfast-exec` (csrc/exec.c), the exec step between the holder's spawn and the worker.
 *
 * `holdfast-exec CMD [ARGS...]`, spawned with the sockets already at fds 3..:
 * - `HOLDFAST_HOLDER_PID` set: prctl(PR_SET_PDEATHSIG, SIGTERM), then exit 125 if getppid() differs
 *   (the holder already died).
 * - `LISTEN_FDS` set: `LISTEN_PID` = its own pid, which the worker keeps across exec (sd_listen_fds(3));
 *   `WATCHDOG_USEC` set: `WATCHDOG_PID` likewise (sd_watchdog_enabled(3)).
 * - execvp(CMD): no fork, no shell. On failure prints `holdfast: cannot run "CMD": <strerror>` to stderr
 *   and exits 127 (ENOENT) or 126 (anything else), like sh(1).
 */
import { join } from 'node:path';
import { buildDir } from './binding.js';

/** Absolute path of build/Release/holdfast-exec. */
export const execHelperPath: string = join(buildDir, 'holdfast-exec');
