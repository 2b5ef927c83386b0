// The non-socket kinds of a .socket unit: FIFOs and POSIX message queues (mq_overview(7)).
#include "common.h"

namespace holdfast {

// mkfifo(path, mode) -> 0 | -errno
Napi::Value Mkfifo(const Napi::CallbackInfo& info) {
  std::string path = info[0].ToString().Utf8Value();
  return Ret(info.Env(), mkfifo(path.c_str(), static_cast<mode_t>(IntArg(info, 1))));
}

// mqOpen(name, oflag, mode, maxmsg, msgsize) -> fd | -errno (mq_overview(7): an mqd_t is an fd on Linux).
// maxmsg/msgsize 0 = the kernel defaults. The descriptor is made close-on-exec.
Napi::Value MqOpen(const Napi::CallbackInfo& info) {
  std::string name = info[0].ToString().Utf8Value();
  int oflag = IntArg(info, 1);
  mode_t mode = static_cast<mode_t>(IntArg(info, 2));
  long maxmsg = IntArg(info, 3), msgsize = IntArg(info, 4);
  struct mq_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.mq_maxmsg = maxmsg;
  attr.mq_msgsize = msgsize;
  mqd_t q = mq_open(name.c_str(), oflag, mode, (maxmsg > 0 && msgsize > 0) ? &attr : nullptr);
  if (q == static_cast<mqd_t>(-1)) return Ret(info.Env(), -1);
  int fd = static_cast<int>(q);
  int flags = fcntl(fd, F_GETFD);
  if (flags >= 0) fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  return Napi::Number::New(info.Env(), fd);
}

// mqUnlink(name) -> 0 | -errno
Napi::Value MqUnlink(const Napi::CallbackInfo& info) {
  std::string name = info[0].ToString().Utf8Value();
  return Ret(info.Env(), mq_unlink(name.c_str()));
}

// mqGetattr(fd) -> { flags, maxmsg, msgsize, curmsgs } | -errno. Fails with EBADF on anything but a queue.
Napi::Value MqGetattr(const Napi::CallbackInfo& info) {
  struct mq_attr attr;
  if (mq_getattr(static_cast<mqd_t>(IntArg(info, 0)), &attr) < 0) return Ret(info.Env(), -1);
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("flags", static_cast<double>(attr.mq_flags));
  out.Set("maxmsg", static_cast<double>(attr.mq_maxmsg));
  out.Set("msgsize", static_cast<double>(attr.mq_msgsize));
  out.Set("curmsgs", static_cast<double>(attr.mq_curmsgs));
  return out;
}

}  // namespace holdfast
