// Transparent huge pages behind malloc's main heap (Linux with glibc; a no-op elsewhere).
//
// Tensor buffers come from glibc's heap (addon.cc raises the mmap threshold so they are reused),
// and the first touch of each fresh 4 KB page is a fault: about 12 us on this project's VM, so a
// new 256 KB output costs 64 faults, several times the kernel that fills it (a 256 -> 256
// vectorized Jacobian took 2 ms instead of 0.55). glibc's own remedy, the tunable
// glibc.malloc.hugetlb=1, must be set before the process starts; this does the same from the
// addon: every entry point (guarded, binding.h) checks whether the heap's break has moved and
// advises the new part MADV_HUGEPAGE before any kernel writes into it, so the kernel faults in
// 2 MB pages. addon.cc turns it on with the malloc tuning (TAPEFLOW_MALLOC_TUNING=0 leaves both
// off).
#pragma once

namespace tf {

// Starts advising heap growth from the current break on.
void enable_heap_thp();
// Advises the part of the heap added since the last call; cheap when the break has not moved
// (glibc's sbrk(0) reads a cached value).
void advise_heap_growth();

}  // namespace tf
