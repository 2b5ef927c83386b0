{
  "targets": [
    {
      "target_name": "holdfast_native",
      "sources": ["csrc/addon.cc", "csrc/sockets.cc", "csrc/special.cc", "csrc/fd.cc", "csrc/notify.cc", "csrc/process.cc"],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      "cflags_cc": ["-std=c++17", "-Wall"],
      "libraries": ["-lrt"]
    },
    {
      "target_name": "holdfast-exec",
      "type": "executable",
      "sources": ["csrc/exec.c"],
      "cflags": ["-Wall", "-O2"]
    }
  ]
}
