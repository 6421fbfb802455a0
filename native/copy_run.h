// Short contiguous copies (rows of a transpose, concat, split or gather): a memcpy of a size
// known at compile time becomes a few vector moves inline, where a call with a runtime size
// costs about as much as copying the 64 bytes of a row of 16 floats. Sizes that are common
// row widths (powers of two up to 256 bytes) get their own instantiation; the rest call memcpy.
#pragma once

#include <cstddef>
#include <cstring>

namespace tf {

inline void copy_bytes(void* dst, const void* src, size_t n) {
  switch (n) {
    case 4:
      std::memcpy(dst, src, 4);
      return;
    case 8:
      std::memcpy(dst, src, 8);
      return;
    case 16:
      std::memcpy(dst, src, 16);
      return;
    case 32:
      std::memcpy(dst, src, 32);
      return;
    case 64:
      std::memcpy(dst, src, 64);
      return;
    case 128:
      std::memcpy(dst, src, 128);
      return;
    case 256:
      std::memcpy(dst, src, 256);
      return;
    default:
      std::memcpy(dst, src, n);
  }
}

}  // namespace tf
