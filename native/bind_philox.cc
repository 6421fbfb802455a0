// N-API entry point of the Philox uniform fill (philox.h):
// philoxUniform(key0, key1, ctr0, ctr1, ctr2, ctr3, out, f32Draws): out (Float32Array or
// Float64Array) gets out.length uniform draws from the blocks at the 128-bit counter
// (ctr0 lowest word) under the 64-bit key; the words are integers in [0, 2^32). The counter is
// not advanced here: the caller skips the blocks used (ceil(n / 4) with f32Draws, else
// ceil(n / 2)). Argument rules: addon.cc.
#include "binding.h"
#include "philox.h"

namespace {

using namespace tf_bind;  // NOLINT: the binding helpers

Napi::Value PhiloxUniform(const Napi::CallbackInfo& info) {
  Call c(info, "philoxUniform");
  const char* names[6] = {"key0", "key1", "ctr0", "ctr1", "ctr2", "ctr3"};
  uint32_t words[6];
  for (size_t i = 0; i < 6; i++) {
    const int64_t v = c.count(i, names[i]);
    if (v > 0xffffffffLL) c.range_error(std::string(names[i]) + " must be below 2^32");
    words[i] = static_cast<uint32_t>(v);
  }
  const bool f32Draws = c.flag(7, "f32Draws");
  Arr out = c.float_array(6, "out");
  if (out.length == 0) return c.env().Undefined();
  tf::philox_uniform(words, words + 2, out.data, out.dtype == DType::F32, out.length, f32Draws);
  return c.env().Undefined();
}

}  // namespace

TF_BIND("philoxUniform", PhiloxUniform);
