// Socket creation, options, bind and listen (socket(7), ip(7), unix(7), netlink(7)).
#include "common.h"

namespace holdfast {

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

}  // namespace holdfast
