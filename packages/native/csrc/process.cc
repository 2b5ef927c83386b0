// Process helpers the holder and its workers need: reaping orphans, subreaper, parent-death guard.
#include "common.h"

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

}  // namespace holdfast
