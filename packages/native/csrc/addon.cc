// holdfast native addon: thin wrappers around the socket syscalls Node lacks.
//
// Convention: every wrapper returns its result (an fd, 0, or an object) or a
// negative errno as a plain number. No policy lives here (defaults, cleanup on
// failure, validation, error messages): that is src/*.ts. The one exception is
// notifySend, which opens, sends and closes in one call and therefore returns
// { errno, syscall } so TypeScript can name the step that failed.
//
// Every fd created here is close-on-exec (SOCK_CLOEXEC, F_DUPFD_CLOEXEC,
// MSG_CMSG_CLOEXEC): holdfast invariant 6, a child receives only the fds the
// holder puts at 3.. on purpose.

#include <napi.h>
#include <uv.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/un.h>
#include <unistd.h>

#include <vector>
#include <thread>
#include <chrono>
#include <signal.h>

namespace {

int32_t IntArg(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), "holdfast_native: argument " + std::to_string(i) + " must be a number");
  }
  return info[i].As<Napi::Number>().Int32Value();
}

Napi::Buffer<uint8_t> BufArg(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsBuffer()) {
    throw Napi::TypeError::New(info.Env(), "holdfast_native: argument " + std::to_string(i) + " must be a Buffer");
  }
  return info[i].As<Napi::Buffer<uint8_t>>();
}

// Builds a sockaddr_un from the exact bytes TypeScript prepared: "path\0" for a
// filesystem path, "\0name" (no terminator, exact length) for the abstract
// namespace (unix(7)). Returns the address length, or -ENAMETOOLONG.
int FillUnixAddr(const uint8_t* bytes, size_t len, struct sockaddr_un* sun) {
  memset(sun, 0, sizeof(*sun));
  sun->sun_family = AF_UNIX;
  if (len == 0 || len > sizeof(sun->sun_path)) return -ENAMETOOLONG;
  memcpy(sun->sun_path, bytes, len);
  return static_cast<int>(offsetof(struct sockaddr_un, sun_path) + len);
}

Napi::Value Ret(Napi::Env env, int r) { return Napi::Number::New(env, r < 0 ? -errno : r); }

// socket(domain, type, nonblock, protocol = 0) -> fd | -errno. Always SOCK_CLOEXEC.
Napi::Value Socket(const Napi::CallbackInfo& info) {
  int domain = IntArg(info, 0), type = IntArg(info, 1);
  bool nonblock = info.Length() > 2 && info[2].ToBoolean().Value();
  int protocol = info.Length() > 3 && info[3].IsNumber() ? IntArg(info, 3) : 0;
  return Ret(info.Env(), socket(domain, type | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), protocol));
}

// bindNetlink(fd, portId, groups) -> 0 | -errno. portId 0 = the kernel assigns one (netlink(7)).
Napi::Value BindNetlink(const Napi::CallbackInfo& info) {
  struct sockaddr_nl snl;
  memset(&snl, 0, sizeof(snl));
  snl.nl_family = AF_NETLINK;
  snl.nl_pid = static_cast<uint32_t>(info[1].As<Napi::Number>().Int64Value());
  snl.nl_groups = static_cast<uint32_t>(info[2].As<Napi::Number>().Int64Value());
  return Ret(info.Env(), bind(IntArg(info, 0), reinterpret_cast<struct sockaddr*>(&snl), sizeof(snl)));
}

// connectUnix(fd, addrBytes) -> 0 | -errno. Used to probe whether a unix path has a live listener.
Napi::Value ConnectUnix(const Napi::CallbackInfo& info) {
  int fd = IntArg(info, 0);
  auto buf = BufArg(info, 1);
  struct sockaddr_un sun;
  int len = FillUnixAddr(buf.Data(), buf.Length(), &sun);
  if (len < 0) return Napi::Number::New(info.Env(), len);
  int r;
  do r = connect(fd, reinterpret_cast<struct sockaddr*>(&sun), len);
  while (r < 0 && errno == EINTR);
  return Ret(info.Env(), r);
}

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

// setsockoptInt(fd, level, name, value) -> 0 | -errno
Napi::Value SetsockoptInt(const Napi::CallbackInfo& info) {
  int v = IntArg(info, 3);
  return Ret(info.Env(), setsockopt(IntArg(info, 0), IntArg(info, 1), IntArg(info, 2), &v, sizeof(v)));
}

// getsockoptInt(fd, level, name) -> value (>= 0) | -errno. Only for options whose values are non-negative.
Napi::Value GetsockoptInt(const Napi::CallbackInfo& info) {
  int v = 0;
  socklen_t len = sizeof(v);
  if (getsockopt(IntArg(info, 0), IntArg(info, 1), IntArg(info, 2), &v, &len) < 0) return Ret(info.Env(), -1);
  return Napi::Number::New(info.Env(), v);
}

// bindInet(fd, family, host, port) -> 0 | -errno. host is numeric (validated in TS); -EINVAL otherwise.
Napi::Value BindInet(const Napi::CallbackInfo& info) {
  int fd = IntArg(info, 0), family = IntArg(info, 1), port = IntArg(info, 3);
  std::string host = info[2].ToString().Utf8Value();
  if (family == AF_INET) {
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, host.c_str(), &sin.sin_addr) != 1) return Napi::Number::New(info.Env(), -EINVAL);
    return Ret(info.Env(), bind(fd, reinterpret_cast<struct sockaddr*>(&sin), sizeof(sin)));
  }
  struct sockaddr_in6 sin6;
  memset(&sin6, 0, sizeof(sin6));
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET6, host.c_str(), &sin6.sin6_addr) != 1) return Napi::Number::New(info.Env(), -EINVAL);
  return Ret(info.Env(), bind(fd, reinterpret_cast<struct sockaddr*>(&sin6), sizeof(sin6)));
}

// bindUnix(fd, addrBytes) -> 0 | -errno
Napi::Value BindUnix(const Napi::CallbackInfo& info) {
  int fd = IntArg(info, 0);
  auto buf = BufArg(info, 1);
  struct sockaddr_un sun;
  int len = FillUnixAddr(buf.Data(), buf.Length(), &sun);
  if (len < 0) return Napi::Number::New(info.Env(), len);
  return Ret(info.Env(), bind(fd, reinterpret_cast<struct sockaddr*>(&sun), len));
}

// listen(fd, backlog) -> 0 | -errno
Napi::Value Listen(const Napi::CallbackInfo& info) { return Ret(info.Env(), listen(IntArg(info, 0), IntArg(info, 1))); }

// close(fd) -> 0 | -errno. EINTR is not retried: on Linux the fd is gone anyway (close(2)).
Napi::Value Close(const Napi::CallbackInfo& info) {
  int r = close(IntArg(info, 0));
  if (r < 0 && errno == EINTR) return Napi::Number::New(info.Env(), 0);
  return Ret(info.Env(), r);
}

// getCloexec(fd) -> 0 | 1 | -errno
Napi::Value GetCloexec(const Napi::CallbackInfo& info) {
  int flags = fcntl(IntArg(info, 0), F_GETFD);
  if (flags < 0) return Ret(info.Env(), -1);
  return Napi::Number::New(info.Env(), (flags & FD_CLOEXEC) ? 1 : 0);
}

// setCloexec(fd, on) -> 0 | -errno
Napi::Value SetCloexec(const Napi::CallbackInfo& info) {
  int fd = IntArg(info, 0);
  bool on = info[1].ToBoolean().Value();
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0) return Ret(info.Env(), -1);
  flags = on ? (flags | FD_CLOEXEC) : (flags & ~FD_CLOEXEC);
  return Ret(info.Env(), fcntl(fd, F_SETFD, flags));
}

// dupCloexec(fd, minFd) -> new fd | -errno
Napi::Value DupCloexec(const Napi::CallbackInfo& info) {
  return Ret(info.Env(), fcntl(IntArg(info, 0), F_DUPFD_CLOEXEC, IntArg(info, 1)));
}

// Converts a local address from getsockname into { address, port } or { path }.
void PutAddress(Napi::Env env, Napi::Object out, const struct sockaddr_storage& ss, socklen_t len) {
  char text[INET6_ADDRSTRLEN];
  if (ss.ss_family == AF_INET) {
    auto* sin = reinterpret_cast<const struct sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text));
    out.Set("address", text);
    out.Set("port", ntohs(sin->sin_port));
  } else if (ss.ss_family == AF_INET6) {
    auto* sin6 = reinterpret_cast<const struct sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof(text));
    out.Set("address", text);
    out.Set("port", ntohs(sin6->sin6_port));
  } else if (ss.ss_family == AF_UNIX) {
    auto* sun = reinterpret_cast<const struct sockaddr_un*>(&ss);
    size_t off = offsetof(struct sockaddr_un, sun_path);
    size_t n = len > off ? len - off : 0;
    // Raw bytes: leading NUL = abstract; a filesystem path may carry its terminator. TS decodes.
    out.Set("pathBytes", Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(sun->sun_path), n));
  } else if (ss.ss_family == AF_NETLINK) {
    auto* snl = reinterpret_cast<const struct sockaddr_nl*>(&ss);
    out.Set("nlPid", static_cast<double>(snl->nl_pid));
    out.Set("nlGroups", static_cast<double>(snl->nl_groups));
  }
}

// inspect(fd) -> { mode, cloexec, domain?, type?, acceptconn?, rcvbuf?, sndbuf?, address?, port?, pathBytes? } | -errno
Napi::Value Inspect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = IntArg(info, 0);
  struct stat st;
  if (fstat(fd, &st) < 0) return Ret(env, -1);
  int fdflags = fcntl(fd, F_GETFD);
  if (fdflags < 0) return Ret(env, -1);
  Napi::Object out = Napi::Object::New(env);
  out.Set("mode", static_cast<double>(st.st_mode & S_IFMT));
  out.Set("cloexec", (fdflags & FD_CLOEXEC) != 0);
  int flflags = fcntl(fd, F_GETFL);
  if (flflags >= 0) out.Set("flags", flflags);
  out.Set("ino", static_cast<double>(st.st_ino));
  out.Set("dev", static_cast<double>(st.st_dev));
  if (!S_ISSOCK(st.st_mode)) return out;
  auto geti = [fd](int level, int name, int* v) {
    socklen_t l = sizeof(*v);
    return getsockopt(fd, level, name, v, &l);
  };
  int v;
  if (geti(SOL_SOCKET, SO_DOMAIN, &v) < 0) return Ret(env, -1);
  out.Set("domain", v);
  if (geti(SOL_SOCKET, SO_TYPE, &v) < 0) return Ret(env, -1);
  out.Set("type", v);
  if (geti(SOL_SOCKET, SO_PROTOCOL, &v) == 0) out.Set("protocol", v);
  if (geti(SOL_SOCKET, SO_ACCEPTCONN, &v) == 0) out.Set("acceptconn", v != 0);
  if (geti(SOL_SOCKET, SO_RCVBUF, &v) == 0) out.Set("rcvbuf", v);
  if (geti(SOL_SOCKET, SO_SNDBUF, &v) == 0) out.Set("sndbuf", v);
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  memset(&ss, 0, sizeof(ss));
  if (getsockname(fd, reinterpret_cast<struct sockaddr*>(&ss), &len) == 0) PutAddress(env, out, ss, len);
  return out;
}

// peerCred(fd) -> { pid, uid, gid } | -errno
Napi::Value PeerCred(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct ucred cred;
  socklen_t len = sizeof(cred);
  if (getsockopt(IntArg(info, 0), SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) return Ret(env, -1);
  Napi::Object out = Napi::Object::New(env);
  out.Set("pid", static_cast<double>(cred.pid));
  out.Set("uid", static_cast<double>(cred.uid));
  out.Set("gid", static_cast<double>(cred.gid));
  return out;
}

Napi::Value Fail(Napi::Env env, int err, const char* syscall) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("errno", -err);
  out.Set("syscall", syscall);
  return out;
}

// notifySend(addrBytes, payload, fds[]) -> 0 | { errno, syscall }
// One datagram, like sd_pid_notify_with_fds(3): a fresh CLOEXEC AF_UNIX SOCK_DGRAM
// socket, sendmsg to the address (no connect), SCM_RIGHTS when fds are given, close.
// The socket is blocking, as in sd_notify: a full receive queue makes us wait, not lose READY=1.
Napi::Value NotifySend(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto addr = BufArg(info, 0);
  auto payload = BufArg(info, 1);
  std::vector<int> fds;
  if (info.Length() > 2 && info[2].IsArray()) {
    Napi::Array arr = info[2].As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); i++) fds.push_back(arr.Get(i).As<Napi::Number>().Int32Value());
  }
  struct sockaddr_un sun;
  int alen = FillUnixAddr(addr.Data(), addr.Length(), &sun);
  if (alen < 0) return Fail(env, -alen, "sendmsg");

  int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return Fail(env, errno, "socket");

  struct iovec iov;
  iov.iov_base = payload.Data();
  iov.iov_len = payload.Length();
  struct msghdr msg;
  memset(&msg, 0, sizeof(msg));
  msg.msg_name = &sun;
  msg.msg_namelen = alen;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  std::vector<char> control;
  if (!fds.empty()) {
    control.assign(CMSG_SPACE(sizeof(int) * fds.size()), 0);
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  ssize_t r;
  do r = sendmsg(s, &msg, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  int err = errno;
  close(s);
  if (r < 0) return Fail(env, err, "sendmsg");
  return Napi::Number::New(env, 0);
}

// NotifyPoller: watches a nonblocking AF_UNIX SOCK_DGRAM fd with uv_poll_t on
// Node's own loop and hands each datagram to a JS callback
// cb(pid, uid, gid, data: Buffer, fds: number[]). It never owns the fd: the
// TypeScript NotifySocket closes it after calling close() here.
class NotifyPoller : public Napi::ObjectWrap<NotifyPoller> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NotifyPoller",
                       {InstanceMethod("start", &NotifyPoller::Start), InstanceMethod("ref", &NotifyPoller::DoRef),
                        InstanceMethod("unref", &NotifyPoller::DoUnref),
                        InstanceMethod("close", &NotifyPoller::DoClose)});
  }

  // new NotifyPoller(fd, callback)
  NotifyPoller(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<NotifyPoller>(info), ctx_(info.Env(), "HoldfastNotifySocket") {
    Napi::Env env = info.Env();
    fd_ = IntArg(info, 0);
    if (info.Length() < 2 || !info[1].IsFunction()) throw Napi::TypeError::New(env, "NotifyPoller: callback required");
    cb_ = Napi::Persistent(info[1].As<Napi::Function>());
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok) throw Napi::Error::New(env, "napi_get_uv_event_loop failed");
    handle_ = new uv_poll_t;
    int r = uv_poll_init(loop, handle_, fd_);
    if (r < 0) {
      delete handle_;
      handle_ = nullptr;
      throw Napi::Error::New(env, std::string("uv_poll_init: ") + uv_strerror(r));
    }
    handle_->data = this;
    env_ = env;
  }

  // Finalizer: only reached when not polling (polling pins the object) or at
  // environment teardown; never touch the JS reference from here.
  ~NotifyPoller() override {
    polling_ = false;
    CloseHandle();
  }

 private:
  // start() -> 0 | negative uv error. While polling, the JS object is pinned
  // (Ref) so a dropped NotifySocket cannot be collected with an active handle.
  Napi::Value Start(const Napi::CallbackInfo& info) {
    if (!handle_) return Napi::Number::New(info.Env(), -EBADF);
    if (polling_) return Napi::Number::New(info.Env(), 0);
    int r = uv_poll_start(handle_, UV_READABLE, OnPoll);
    if (r == 0) {
      polling_ = true;
      Ref();
    }
    return Napi::Number::New(info.Env(), r);
  }

  Napi::Value DoRef(const Napi::CallbackInfo& info) {
    if (handle_) uv_ref(reinterpret_cast<uv_handle_t*>(handle_));
    return info.Env().Undefined();
  }

  Napi::Value DoUnref(const Napi::CallbackInfo& info) {
    if (handle_) uv_unref(reinterpret_cast<uv_handle_t*>(handle_));
    return info.Env().Undefined();
  }

  Napi::Value DoClose(const Napi::CallbackInfo& info) {
    CloseHandle();
    return info.Env().Undefined();
  }

  void CloseHandle() {
    if (!handle_) return;
    // uv_close on a poll handle stops it and removes the fd from epoll at once,
    // so the caller may close(2) the fd right after this returns.
    uv_close(reinterpret_cast<uv_handle_t*>(handle_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
    handle_ = nullptr;
    if (polling_) {
      polling_ = false;
      Unref();
    }
  }

  static void OnPoll(uv_poll_t* h, int status, int events) {
    auto* self = static_cast<NotifyPoller*>(h->data);
    if (status < 0) return;  // level-triggered: a transient error is retried on the next readable event
    self->Drain();
  }

  // Reads datagrams until EAGAIN (at most kBatch per wakeup so a flood cannot
  // starve the loop; uv_poll is level-triggered, the rest comes next tick).
  void Drain() {
    static const int kBatch = 1024;
    static const size_t kMaxDatagram = 4096;
    Napi::Env env = env_;
    for (int n = 0; n < kBatch && handle_; n++) {
      uint8_t data[kMaxDatagram];
      alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 253)];
      struct iovec iov = {data, sizeof(data)};
      struct msghdr msg;
      memset(&msg, 0, sizeof(msg));
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof(control);
      ssize_t r = recvmsg(fd_, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
      if (r < 0) {
        if (errno == EINTR) continue;
        return;  // EAGAIN: drained. Anything else: wait for the next readable event.
      }
      struct ucred cred = {0, 0, 0};
      bool haveCred = false;
      std::vector<int> fds;
      for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET) continue;
        if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len >= CMSG_LEN(sizeof(cred))) {
          memcpy(&cred, CMSG_DATA(c), sizeof(cred));
          haveCred = true;
        } else if (c->cmsg_type == SCM_RIGHTS) {
          size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
          size_t at = fds.size();
          fds.resize(at + count);
          memcpy(fds.data() + at, CMSG_DATA(c), count * sizeof(int));
        }
      }
      if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
        // Truncated payload or lost fds: drop the datagram, close what did arrive.
        for (int fd : fds) close(fd);
        continue;
      }
      Napi::HandleScope scope(env);
      Napi::Array jsFds = Napi::Array::New(env, fds.size());
      for (size_t i = 0; i < fds.size(); i++) jsFds.Set(static_cast<uint32_t>(i), fds[i]);
      std::vector<napi_value> args = {
          Napi::Number::New(env, haveCred ? cred.pid : 0), Napi::Number::New(env, haveCred ? cred.uid : 0),
          Napi::Number::New(env, haveCred ? cred.gid : 0),
          Napi::Buffer<uint8_t>::Copy(env, data, static_cast<size_t>(r)), jsFds};
      try {
        // MakeCallback: async hooks context, then the microtask queue and nextTicks run on return.
        cb_.Value().MakeCallback(env.Global(), args, ctx_);
      } catch (const Napi::Error& e) {
        // No JS frame below us: route the exception to process 'uncaughtException', as Node's own handles do.
        napi_fatal_exception(env, e.Value());
      }
    }
  }

  Napi::Env env_ = Napi::Env(nullptr);
  Napi::FunctionReference cb_;
  Napi::AsyncContext ctx_;
  uv_poll_t* handle_ = nullptr;
  int fd_ = -1;
  bool polling_ = false;
};

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
Napi::Value ArmParentDeathGuard(const Napi::CallbackInfo& info) {
  pid_t parent = (pid_t)IntArg(info, 0);
  int graceMs = IntArg(info, 1);
  if (getppid() != parent) return Napi::Number::New(info.Env(), -ESRCH);
  std::thread([parent, graceMs]() {
    while (getppid() == parent) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::this_thread::sleep_for(std::chrono::milliseconds(graceMs));
    kill(0, SIGKILL);
  }).detach();
  return Napi::Number::New(info.Env(), 0);
}

Napi::Object Constants(Napi::Env env) {
  Napi::Object c = Napi::Object::New(env);
#define C(name) c.Set(#name, static_cast<double>(name))
  C(AF_INET); C(AF_INET6); C(AF_UNIX); C(AF_NETLINK);
  C(SOCK_STREAM); C(SOCK_DGRAM); C(SOCK_SEQPACKET); C(SOCK_RAW);
  C(SOL_SOCKET); C(SO_REUSEADDR); C(SO_RCVBUF); C(SO_SNDBUF); C(SO_PASSCRED);
  C(IPPROTO_IPV6); C(IPV6_V6ONLY);
  C(IPPROTO_IP); C(IPPROTO_TCP); C(IP_FREEBIND); C(IP_TRANSPARENT); C(IPV6_TRANSPARENT);
#ifdef IPV6_FREEBIND
  C(IPV6_FREEBIND);
#else
  c.Set("IPV6_FREEBIND", 78);
#endif
  C(SO_KEEPALIVE); C(TCP_KEEPIDLE); C(TCP_KEEPINTVL); C(TCP_KEEPCNT); C(TCP_NODELAY); C(TCP_DEFER_ACCEPT);
  C(SO_RCVBUFFORCE); C(SO_SNDBUFFORCE); C(SO_MARK); C(SO_BROADCAST);
  C(O_RDONLY); C(O_WRONLY); C(O_RDWR); C(O_CREAT); C(O_EXCL); C(O_NONBLOCK); C(O_ACCMODE);
  C(S_IFSOCK); C(S_IFIFO); C(S_IFREG); C(S_IFCHR); C(S_IFBLK); C(S_IFDIR);
#undef C
  return c;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("constants", Constants(env));
  exports.Set("socket", Napi::Function::New(env, Socket, "socket"));
  exports.Set("setsockoptInt", Napi::Function::New(env, SetsockoptInt, "setsockoptInt"));
  exports.Set("getsockoptInt", Napi::Function::New(env, GetsockoptInt, "getsockoptInt"));
  exports.Set("bindInet", Napi::Function::New(env, BindInet, "bindInet"));
  exports.Set("bindUnix", Napi::Function::New(env, BindUnix, "bindUnix"));
  exports.Set("bindNetlink", Napi::Function::New(env, BindNetlink, "bindNetlink"));
  exports.Set("connectUnix", Napi::Function::New(env, ConnectUnix, "connectUnix"));
  exports.Set("mkfifo", Napi::Function::New(env, Mkfifo, "mkfifo"));
  exports.Set("mqOpen", Napi::Function::New(env, MqOpen, "mqOpen"));
  exports.Set("mqUnlink", Napi::Function::New(env, MqUnlink, "mqUnlink"));
  exports.Set("mqGetattr", Napi::Function::New(env, MqGetattr, "mqGetattr"));
  exports.Set("listen", Napi::Function::New(env, Listen, "listen"));
  exports.Set("close", Napi::Function::New(env, Close, "close"));
  exports.Set("getCloexec", Napi::Function::New(env, GetCloexec, "getCloexec"));
  exports.Set("setCloexec", Napi::Function::New(env, SetCloexec, "setCloexec"));
  exports.Set("dupCloexec", Napi::Function::New(env, DupCloexec, "dupCloexec"));
  exports.Set("inspect", Napi::Function::New(env, Inspect, "inspect"));
  exports.Set("peerCred", Napi::Function::New(env, PeerCred, "peerCred"));
  exports.Set("notifySend", Napi::Function::New(env, NotifySend, "notifySend"));
  exports.Set("reapChild", Napi::Function::New(env, ReapChild, "reapChild"));
  exports.Set("armParentDeathGuard", Napi::Function::New(env, ArmParentDeathGuard, "armParentDeathGuard"));
  exports.Set("setChildSubreaper", Napi::Function::New(env, SetChildSubreaper, "setChildSubreaper"));
  exports.Set("NotifyPoller", NotifyPoller::Define(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(holdfast_native, Init)
