// See heap_thp.h.
#include "heap_thp.h"

#include <atomic>
#include <cstdint>

#if defined(__linux__) && defined(__GLIBC__)
#include <sys/mman.h>
#include <unistd.h>
#define TF_HEAP_THP 1
#else
#define TF_HEAP_THP 0
#endif

namespace tf {

#if TF_HEAP_THP
namespace {

std::atomic<bool> g_on{false};
// The end of the advised part of the heap (page aligned).
std::atomic<uintptr_t> g_advised{0};

uintptr_t page_up(uintptr_t p) {
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  return (p + page - 1) / page * page;
}

uintptr_t current_break() { return reinterpret_cast<uintptr_t>(sbrk(0)); }

}  // namespace

void enable_heap_thp() {
  g_advised.store(page_up(current_break()), std::memory_order_relaxed);
  g_on.store(true, std::memory_order_release);
}

void advise_heap_growth() {
  if (!g_on.load(std::memory_order_acquire)) return;
  const uintptr_t brk = current_break();
  uintptr_t done = g_advised.load(std::memory_order_relaxed);
  if (brk == done) return;
  if (brk < done) {
    // The heap was trimmed: what grows back is a new mapping, to be advised again.
    g_advised.compare_exchange_strong(done, page_up(brk), std::memory_order_relaxed);
    return;
  }
  // One thread advises each new stretch; a failed madvise (THP disabled) changes nothing.
  if (g_advised.compare_exchange_strong(done, page_up(brk), std::memory_order_relaxed))
    madvise(reinterpret_cast<void*>(done), page_up(brk) - done, MADV_HUGEPAGE);
}
#else
void enable_heap_thp() {}
void advise_heap_growth() {}
#endif

}  // namespace tf
