// sd_notify(3) datagrams: sending one (NotifySend) and reading them on Node's loop (NotifyPoller).
#include "common.h"

namespace holdfast {

static Napi::Value Fail(Napi::Env env, int err, const char* syscall) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("errno", -err);
  out.Set("syscall", syscall);
  return out;
}

// notifySend(addrBytes, payload, fds[], nonblocking?) -> 0 | { errno, syscall }
// One datagram, like sd_pid_notify_with_fds(3): a fresh CLOEXEC AF_UNIX SOCK_DGRAM
// socket, sendmsg to the address (no connect), SCM_RIGHTS when fds are given, close.
// Blocking by default, as in sd_notify: a full receive queue makes us wait, not lose READY=1.
// nonblocking (MSG_DONTWAIT): a full queue fails with EAGAIN instead (the holder never waits on a worker).
Napi::Value NotifySend(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto addr = BufArg(info, 0);
  auto payload = BufArg(info, 1);
  std::vector<int> fds;
  if (info.Length() > 2 && info[2].IsArray()) {
    Napi::Array arr = info[2].As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); i++) fds.push_back(arr.Get(i).As<Napi::Number>().Int32Value());
  }
  bool nonblocking = info.Length() > 3 && info[3].IsBoolean() && info[3].As<Napi::Boolean>().Value();
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
  do r = sendmsg(s, &msg, MSG_NOSIGNAL | (nonblocking ? MSG_DONTWAIT : 0));
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
      if (!Deliver(env, cred, haveCred, data, static_cast<size_t>(r), fds)) return;
    }
  }

  // Calls the JS callback with one datagram. A JS exception (the callback's, or one raised while the microtasks and
  // nextTicks ran on its return) goes to process 'uncaughtException', as Node's own handles do. When JS cannot run
  // any more (the process is exiting: Node runs the loop once more while it tears the environment down, and a
  // datagram that arrived meanwhile is polled then), the datagram is dropped and its fds closed. No C++ exception
  // may leave a libuv callback: that aborts the process (SIGABRT, "terminate called ... Napi::Error").
  // Returns false when the callback did not return normally: the rest of the queue waits for the next event.
  bool Deliver(Napi::Env env, const struct ucred& cred, bool haveCred, const uint8_t* data, size_t size, const std::vector<int>& fds) {
    napi_handle_scope scope = nullptr;
    if (napi_open_handle_scope(env, &scope) != napi_ok) {
      for (int fd : fds) close(fd);
      return false;
    }
    bool delivered = false;
    try {
      Napi::Array jsFds = Napi::Array::New(env, fds.size());
      for (size_t i = 0; i < fds.size(); i++) jsFds.Set(static_cast<uint32_t>(i), fds[i]);
      napi_value args[] = {
          Napi::Number::New(env, haveCred ? cred.pid : 0), Napi::Number::New(env, haveCred ? cred.uid : 0),
          Napi::Number::New(env, haveCred ? cred.gid : 0), Napi::Buffer<uint8_t>::Copy(env, data, size), jsFds};
      napi_value result = nullptr;
      // napi_make_callback: async hooks context, then the microtask queue and nextTicks run on return.
      delivered = napi_make_callback(env, ctx_, env.Global(), cb_.Value(), 5, args, &result) == napi_ok;
    } catch (const Napi::Error&) {
      // Building the arguments failed: nothing reached JS.
    }
    if (!delivered) {
      // An exception pending: JS ran (and may own the fds). None: JS never ran (arguments could not be built, or the
      // environment is going away), so the fds are still ours to close.
      bool pending = false;
      napi_value err = nullptr;
      if (napi_is_exception_pending(env, &pending) == napi_ok && pending && napi_get_and_clear_last_exception(env, &err) == napi_ok && err) {
        napi_fatal_exception(env, err);
      } else {
        for (int fd : fds) close(fd);
      }
    }
    napi_close_handle_scope(env, scope);
    return delivered;
  }

  Napi::Env env_ = Napi::Env(nullptr);
  Napi::FunctionReference cb_;
  Napi::AsyncContext ctx_;
  uv_poll_t* handle_ = nullptr;
  int fd_ = -1;
  bool polling_ = false;
};


Napi::Function DefineNotifyPoller(Napi::Env env) { return NotifyPoller::Define(env); }

}  // namespace holdfast
