// Plain fd operations: close, close-on-exec, dup, inspection, peer credentials.
#include "common.h"

namespace holdfast {

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
static void PutAddress(Napi::Env env, Napi::Object out, const struct sockaddr_storage& ss, socklen_t len) {
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

}  // namespace holdfast
