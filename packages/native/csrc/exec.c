/*
 * holdfast-exec CMD [ARGS...]
 *
 * The exec step between the holder's spawn and the worker. The holder spawns
 * this with the sockets already at fds 3.. (sd_listen_fds(3) layout); it
 * fixes up the environment and execs CMD in place. No fork, no shell: the pid
 * the holder got from spawn() is the worker's pid.
 *
 *  - setpgid(0, 0): the worker leads a process group of its own, so the holder
 *    can signal the worker and everything it started at once (invariant 5).
 *    It stays in the holder's session: the kernel's autogroup scheduler
 *    (sched(7)) puts a session's processes in one group, so a worker started
 *    at idle priority yields to the serving one; a session of its own would
 *    compete with it as an equal group.
 *  - TIOCNOTTY on the controlling terminal, if there is one (tty(4)): the
 *    worker keeps the holder's session but not its terminal, so the terminal's
 *    job control never stops it (a background process group writing to a
 *    terminal with `stty tostop` gets SIGTTOU) and Ctrl-C reaches the holder
 *    alone, as with a session of its own. Not being the session's leader, it
 *    drops only its own link to the terminal.
 *  - HOLDFAST_HOLDER_PID set: PR_SET_PDEATHSIG(SIGTERM) so the worker cannot
 *    outlive the holder (invariant 5), then exit 125 if the parent already
 *    died (getppid() differs). The variable stays: the worker's holder guard
 *    reads it too.
 *  - LISTEN_FDS set: LISTEN_PID = getpid(), which after exec is the worker's
 *    own pid, as sd_listen_fds(3) requires.
 *  - WATCHDOG_USEC set: WATCHDOG_PID = getpid() likewise (sd_watchdog_enabled(3)).
 *  - HOLDFAST_SCHED_IDLE=1: the variable is removed and the process takes the
 *    SCHED_IDLE policy (sched(7)) before the exec, so the worker and every
 *    thread and child it starts run only on CPU time nobody else wants; the
 *    holder moves them back to SCHED_OTHER at READY=1. Lowering a policy
 *    needs no privilege; a kernel without SCHED_IDLE leaves it normal.
 *  - execvp(CMD): on failure "holdfast: cannot run "CMD": <strerror>", exit 127
 *    for ENOENT, 126 otherwise (the shell's convention).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>

/*
 * The protocol's names, mirrored from packages/native/src/protocol.ts (ENV and
 * HOLDFAST_ENV); packages/native/test/protocol.test.ts checks that they match.
 */
#define ENV_HOLDER_PID "HOLDFAST_HOLDER_PID"
#define ENV_LISTEN_FDS "LISTEN_FDS"
#define ENV_LISTEN_PID "LISTEN_PID"
#define ENV_WATCHDOG_USEC "WATCHDOG_USEC"
#define ENV_WATCHDOG_PID "WATCHDOG_PID"
#define ENV_SCHED_IDLE "HOLDFAST_SCHED_IDLE"

/* Set NAME to our own pid, which after exec is the worker's. 0 on success. */
static int set_own_pid(const char *name) {
  char pid[32];
  snprintf(pid, sizeof(pid), "%ld", (long)getpid());
  if (setenv(name, pid, 1) == 0) return 0;
  fprintf(stderr, "holdfast: setenv(%s): %s\n", name, strerror(errno));
  return -1;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: holdfast-exec CMD [ARGS...]\n");
    return 2;
  }

  if (setpgid(0, 0) != 0) {
    fprintf(stderr, "holdfast: setpgid: %s\n", strerror(errno));
    return 126;
  }
  int tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (tty >= 0) {
    (void)ioctl(tty, TIOCNOTTY);
    close(tty);
  }

  const char *parent = getenv(ENV_HOLDER_PID);
  if (parent != NULL && *parent != '\0') {
    char *end = NULL;
    long want = strtol(parent, &end, 10);
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) {
      fprintf(stderr, "holdfast: prctl(PR_SET_PDEATHSIG): %s\n", strerror(errno));
      return 126;
    }
    /* Checked after prctl: a parent that died before it would not signal us. */
    if (*end != '\0' || (long)getppid() != want) return 125;
  }

  if (getenv(ENV_LISTEN_FDS) != NULL && set_own_pid(ENV_LISTEN_PID) != 0) return 126;
  if (getenv(ENV_WATCHDOG_USEC) != NULL && set_own_pid(ENV_WATCHDOG_PID) != 0) return 126;

  const char *idle = getenv(ENV_SCHED_IDLE);
  if (idle != NULL) {
    int want_idle = strcmp(idle, "1") == 0;
    unsetenv(ENV_SCHED_IDLE);
    struct sched_param none = {0};
    if (want_idle) (void)sched_setscheduler(0, SCHED_IDLE, &none);
  }

  execvp(argv[1], argv + 1);
  int err = errno;
  fprintf(stderr, "holdfast: cannot run \"%s\": %s\n", argv[1], strerror(err));
  return err == ENOENT ? 127 : 126;
}
