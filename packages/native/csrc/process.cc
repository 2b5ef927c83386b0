// Process helpers the holder and its workers need: reaping orphans, subreaper, parent-death guard, CPU policy.
#include "common.h"

#include <dirent.h>
#include <sched.h>
#include <stdlib.h>

namespace holdfast {

// waitpid(pid, WNOHANG): the pid if it was a zombie and is now reaped, 0 if it still runs, -errno.
// Only for pids libuv did not spawn (libuv reaps its own children).
Napi::Value ReapChild(const Napi::CallbackInfo& info) {
  int status = 0;
  return Ret(info.Env(), waitpid(IntArg(info, 0), &status, WNOHANG));
}

// prctl(PR_SET_CHILD_SUBREAPER): orphaned descendants are reparented to us instead of init.
Napi::Value SetChildSubreaper(const Napi::CallbackInfo& info) {
  return Ret(info.Env(), prctl(PR_SET_CHILD_SUBREAPER, info[0].ToBoolean().Value() ? 1 : 0, 0, 0, 0));
}

// A detached thread that outlives a blocked JS event loop: once our parent is no longer `parent` (the holder
// died), wait `graceMs` for the graceful drain, then SIGKILL our whole process group (the worker leads it).
// A parent already gone starts the deadline now (and returns -ESRCH): the holder may die before the guard is
// armed, and nobody else is left to end us.
Napi::Value ArmParentDeathGuard(const Napi::CallbackInfo& info) {
  pid_t parent = (pid_t)IntArg(info, 0);
  int graceMs = IntArg(info, 1);
  int gone = getppid() != parent ? -ESRCH : 0;
  std::thread([parent, graceMs]() {
    while (getppid() == parent) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::this_thread::sleep_for(std::chrono::milliseconds(graceMs));
    kill(0, SIGKILL);
  }).detach();
  return Napi::Number::New(info.Env(), gone);
}

// Every thread of process `pid` whose policy is SCHED_IDLE moves to SCHED_OTHER (sched(7)); passes repeat until one
// changes nothing, so threads started meanwhile by a still-idle thread are caught too. The number of threads moved,
// or -errno: -ESRCH when the process is gone, -EPERM without CAP_SYS_NICE or an RLIMIT_NICE of 20.
Napi::Value SetSchedOther(const Napi::CallbackInfo& info) {
  pid_t pid = (pid_t)IntArg(info, 0);
  std::string dir = "/proc/" + std::to_string(pid) + "/task";
  int moved = 0;
  for (int pass = 0; pass < 8; pass++) {
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) return Napi::Number::New(info.Env(), errno == ENOENT ? -ESRCH : -errno);
    int changed = 0;
    int failure = 0;
    while (struct dirent* e = readdir(d)) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      pid_t tid = (pid_t)atoi(e->d_name);
      int policy = sched_getscheduler(tid);
      if (policy < 0 || (policy & ~SCHED_RESET_ON_FORK) != SCHED_IDLE) continue;
      struct sched_param none = {0};
      if (sched_setscheduler(tid, SCHED_OTHER, &none) == 0) changed++;
      else if (errno != ESRCH && failure == 0) failure = -errno;
    }
    closedir(d);
    if (failure != 0) return Napi::Number::New(info.Env(), failure);
    moved += changed;
    if (changed == 0) break;
  }
  return Napi::Number::New(info.Env(), moved);
}

// Can this process move a thread out of SCHED_IDLE? Tried on a short-lived thread of its own (SCHED_IDLE, then
// back to SCHED_OTHER), so no thread that runs JS or libuv ever changes policy. 0, or the -errno of the step that
// failed (-EPERM: neither CAP_SYS_NICE nor an RLIMIT_NICE of 20; -EINVAL: no SCHED_IDLE in this kernel).
Napi::Value ProbeSchedIdle(const Napi::CallbackInfo& info) {
  int result = 0;
  std::thread([&result]() {
    struct sched_param none = {0};
    if (sched_setscheduler(0, SCHED_IDLE, &none) != 0) { result = -errno; return; }
    if (sched_setscheduler(0, SCHED_OTHER, &none) != 0) result = -errno;
  }).join();
  return Napi::Number::New(info.Env(), result);
}

}  // namespace holdfast
