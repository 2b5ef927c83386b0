// Shared by the addon's sources: the includes, argument helpers and the declarations of every wrapper.
// Convention (addon.cc): a wrapper returns its result or a negative errno; no policy lives in C++.
#pragma once


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

#include <string>
#include <vector>
#include <thread>
#include <chrono>
#include <signal.h>


namespace holdfast {

inline 
int32_t IntArg(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), "holdfast_native: argument " + std::to_string(i) + " must be a number");
  }
  return info[i].As<Napi::Number>().Int32Value();
}

inline Napi::Buffer<uint8_t> BufArg(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsBuffer()) {
    throw Napi::TypeError::New(info.Env(), "holdfast_native: argument " + std::to_string(i) + " must be a Buffer");
  }
  return info[i].As<Napi::Buffer<uint8_t>>();
}

// Builds a sockaddr_un from the exact bytes TypeScript prepared: "path\0" for a
// filesystem path, "\0name" (no terminator, exact length) for the abstract
// namespace (unix(7)). Returns the address length, or -ENAMETOOLONG.
inline int FillUnixAddr(const uint8_t* bytes, size_t len, struct sockaddr_un* sun) {
  memset(sun, 0, sizeof(*sun));
  sun->sun_family = AF_UNIX;
  if (len == 0 || len > sizeof(sun->sun_path)) return -ENAMETOOLONG;
  memcpy(sun->sun_path, bytes, len);
  return static_cast<int>(offsetof(struct sockaddr_un, sun_path) + len);
}

inline Napi::Value Ret(Napi::Env env, int r) { return Napi::Number::New(env, r < 0 ? -errno : r); }

// sockets.cc
Napi::Value Socket(const Napi::CallbackInfo& info);
Napi::Value BindNetlink(const Napi::CallbackInfo& info);
Napi::Value ConnectUnix(const Napi::CallbackInfo& info);
Napi::Value SetsockoptInt(const Napi::CallbackInfo& info);
Napi::Value GetsockoptInt(const Napi::CallbackInfo& info);
Napi::Value BindInet(const Napi::CallbackInfo& info);
Napi::Value BindUnix(const Napi::CallbackInfo& info);
Napi::Value Listen(const Napi::CallbackInfo& info);
// special.cc
Napi::Value Mkfifo(const Napi::CallbackInfo& info);
Napi::Value MqOpen(const Napi::CallbackInfo& info);
Napi::Value MqUnlink(const Napi::CallbackInfo& info);
Napi::Value MqGetattr(const Napi::CallbackInfo& info);
// fd.cc
Napi::Value Close(const Napi::CallbackInfo& info);
Napi::Value GetCloexec(const Napi::CallbackInfo& info);
Napi::Value SetCloexec(const Napi::CallbackInfo& info);
Napi::Value DupCloexec(const Napi::CallbackInfo& info);
Napi::Value Inspect(const Napi::CallbackInfo& info);
Napi::Value PeerCred(const Napi::CallbackInfo& info);
// notify.cc
Napi::Value NotifySend(const Napi::CallbackInfo& info);
Napi::Function DefineNotifyPoller(Napi::Env env);
// process.cc
Napi::Value ReapChild(const Napi::CallbackInfo& info);
Napi::Value SetChildSubreaper(const Napi::CallbackInfo& info);
Napi::Value ArmParentDeathGuard(const Napi::CallbackInfo& info);
Napi::Value SetSchedOther(const Napi::CallbackInfo& info);
Napi::Value ProbeSchedIdle(const Napi::CallbackInfo& info);

}  // namespace holdfast
