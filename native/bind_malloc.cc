// Allocator introspection for the long-run (soak) measurements: glibc's malloc_info() report
// (one <heap> element per arena with the bytes it holds from the system and the bytes free in
// it) and malloc_trim(). Elsewhere (macOS, Windows, musl) mallocInfo returns "" and
// mallocTrim false. Argument rules: addon.cc.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "binding.h"

namespace {

using namespace tf_bind;  // NOLINT: the binding helpers

// mallocInfo(): malloc_info(0, ...)'s XML text.
Napi::Value MallocInfo(const Napi::CallbackInfo& info) {
  Call c(info, "mallocInfo");
  std::string out;
#if defined(__GLIBC__)
  char* buf = nullptr;
  size_t len = 0;
  FILE* f = open_memstream(&buf, &len);
  if (f != nullptr) {
    malloc_info(0, f);
    std::fclose(f);
    if (buf != nullptr) out.assign(buf, len);
    std::free(buf);
  }
#endif
  return Napi::String::New(c.env(), out);
}

// mallocTrim(): malloc_trim(0), which returns the free pages of every arena to the system;
// true when some memory was released.
Napi::Value MallocTrim(const Napi::CallbackInfo& info) {
  Call c(info, "mallocTrim");
#if defined(__GLIBC__)
  return Napi::Boolean::New(c.env(), malloc_trim(0) != 0);
#else
  return Napi::Boolean::New(c.env(), false);
#endif
}

}  // namespace

TF_BIND("mallocInfo", MallocInfo);
TF_BIND("mallocTrim", MallocTrim);
