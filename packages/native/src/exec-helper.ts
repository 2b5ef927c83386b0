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
 *
 * It comes from the same build as the addon (prebuilds.ts): build/Release/holdfast-exec, or
 * prebuilds/<platform>-<arch>/holdfast-exec.<libc>.
 */
import { accessSync, chmodSync, constants, existsSync } from 'node:fs';
import { addonPath } from './binding.js';
import { execHelperFor, nativeMissing } from './prebuilds.js';

/** Absolute path of the `holdfast-exec` that belongs to the loaded addon (it may be missing: see resolveExecHelper). */
export const execHelperPath: string = execHelperFor(addonPath);

/**
 * execHelperPath, checked to exist and be executable (access(2) X_OK). A prebuild unpacked without its mode bits
 * (`pnpm pack` stores 0644; the install script restores 0755, unless scripts were skipped) is made executable
 * here when the file is writable.
 * @throws ERR_HOLDFAST_NATIVE_MISSING naming the path and the fix.
 */
export function resolveExecHelper(): string {
  try {
    accessSync(execHelperPath, constants.X_OK);
  } catch (cause) {
    if (existsSync(execHelperPath)) {
      try {
        chmodSync(execHelperPath, 0o755);
        return execHelperPath;
      } catch {
        throw nativeMissing('holdfast-exec', `${execHelperPath} is not executable and cannot be made so; run \`chmod 755 ${execHelperPath}\` as its owner`, cause);
      }
    }
    throw nativeMissing('holdfast-exec', `${execHelperPath} does not exist (${(cause as NodeJS.ErrnoException).code})`, cause);
  }
  return execHelperPath;
}
