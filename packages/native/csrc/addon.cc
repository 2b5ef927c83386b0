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

#include "common.h"

namespace holdfast {
namespace {

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
  exports.Set("setSchedOther", Napi::Function::New(env, SetSchedOther, "setSchedOther"));
  exports.Set("probeSchedIdle", Napi::Function::New(env, ProbeSchedIdle, "probeSchedIdle"));
  exports.Set("setChildSubreaper", Napi::Function::New(env, SetChildSubreaper, "setChildSubreaper"));
  exports.Set("NotifyPoller", DefineNotifyPoller(env));
  return exports;
}

}  // namespace
}  // namespace holdfast

// NODE_API_MODULE pastes its argument into a name: it takes an unqualified function.
static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return holdfast::Init(env, exports); }

NODE_API_MODULE(holdfast_native, InitModule)
