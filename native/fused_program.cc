// Fused elementwise programs: see fused_program.h.
#include "fused_program.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "common.h"
#include "threadpool.h"
#include "vmath_avx512.h"

namespace tf {

std::string plan_fused_program(FusedProgram& p) {
  const int k = p.numInputs;
  const int m = static_cast<int>(p.code.size());
  if (m < 1) return "the program has no instruction";
  if (m > kMaxFusedInstrs)
    return "the program has " + std::to_string(m) + " instructions, more than " +
           std::to_string(kMaxFusedInstrs);
  // Last instruction reading each result (-1: none).
  std::vector<int> last(static_cast<size_t>(m), -1);
  for (int j = 0; j < m; j++) {
    const FusedInstr& in = p.code[j];
    const std::string at = "instruction " + std::to_string(j);
    if (in.binary) {
      if (in.fn < 0 || in.fn >= kNumBinary + kNumFusedExtraBinary)
        return at + ": unknown binary function " + std::to_string(in.fn);
      if (in.fn < kNumBinary && binary_bool_out(in.fn))
        return at + ": " + kBinaryNames[in.fn] + " has a bool output and cannot be fused";
    } else {
      if (in.fn < 0 || in.fn >= kNumUnary + kNumFusedExtraUnary)
        return at + ": unknown unary function " + std::to_string(in.fn);
      if (in.fn < kNumUnary && unary_bool_out(in.fn))
        return at + ": " + kUnaryNames[in.fn] + " has a bool output and cannot be fused";
    }
    const int nops = in.binary ? 2 : 1;
    for (int q = 0; q < nops; q++) {
      const int v = q == 0 ? in.a : in.b;
      if (v < 0 || v >= k + j)
        return at + ": operand " + std::to_string(v) + " is neither an input (0.." +
               std::to_string(k - 1) + ") nor an earlier result";
      if (v >= k) last[v - k] = j;
    }
  }
  // Registers by lifetime: an instruction's register is taken before its operands' registers
  // are released, so no loop writes over what it reads (the span loops take restrict pointers).
  p.reg.assign(static_cast<size_t>(m), -1);
  std::vector<int> freeRegs;
  int count = 0;
  for (int j = 0; j < m; j++) {
    const bool toOutput = j == m - 1 && p.reduce == FusedReduce::None;
    if (!toOutput) {
      if (freeRegs.empty()) {
        p.reg[j] = count++;
      } else {
        p.reg[j] = freeRegs.back();
        freeRegs.pop_back();
      }
    }
    const FusedInstr& in = p.code[j];
    const int nops = in.binary ? 2 : 1;
    for (int q = 0; q < nops; q++) {
      const int v = q == 0 ? in.a : in.b;
      if (v >= k && last[v - k] == j && (q == 0 || in.a != in.b)) freeRegs.push_back(p.reg[v - k]);
    }
    // A result nobody reads (not the last one) frees its register at once.
    if (j < m - 1 && last[j] < 0 && p.reg[j] >= 0) freeRegs.push_back(p.reg[j]);
  }
  p.numRegs = count;
  return "";
}

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Elements per tile: 8 KiB per register, so the few live registers of a chain and the input and
// output tiles stay in the L1 cache.
template <class T>
constexpr int64_t tile_elems() {
  return 8192 / static_cast<int64_t>(sizeof(T));
}

// ---- reductions of one span, accumulated in double (as the eager kernels do) -----------------

#define TF_DEFINE_SPAN_REDUCE(SUFFIX, ATTR)                                        \
  template <class T>                                                               \
  ATTR double sum_##SUFFIX(const T* TF_RESTRICT x, int64_t n) {                    \
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;                                         \
    int64_t i = 0;                                                                 \
    for (; i + 4 <= n; i += 4) {                                                   \
      s0 += static_cast<double>(x[i]);                                             \
      s1 += static_cast<double>(x[i + 1]);                                         \
      s2 += static_cast<double>(x[i + 2]);                                         \
      s3 += static_cast<double>(x[i + 3]);                                         \
    }                                                                              \
    for (; i < n; i++) s0 += static_cast<double>(x[i]);                            \
    return (s0 + s1) + (s2 + s3);                                                  \
  }                                                                                \
  /* NaN propagates: any NaN element makes the maximum NaN */                     \
  template <class T>                                                               \
  ATTR double max_##SUFFIX(const T* TF_RESTRICT x, int64_t n) {                    \
    T m = -std::numeric_limits<T>::infinity();                                     \
    bool nan = false;                                                              \
    for (int64_t i = 0; i < n; i++) {                                              \
      const T v = x[i];                                                            \
      nan |= v != v;                                                               \
      m = v > m ? v : m;                                                           \
    }                                                                              \
    return nan ? kNaN : static_cast<double>(m);                                    \
  }
TF_DEFINE_SPAN_REDUCE(generic, )
#if TF_X86
TF_DEFINE_SPAN_REDUCE(avx2, TF_AVX2)
#endif
#undef TF_DEFINE_SPAN_REDUCE

template <class T>
double reduce_span(FusedReduce r, const T* x, int64_t n, bool avx2) {
#if TF_X86
  if (avx2) return r == FusedReduce::Max ? max_avx2(x, n) : sum_avx2(x, n);
#endif
  (void)avx2;
  return r == FusedReduce::Max ? max_generic(x, n) : sum_generic(x, n);
}

double combine(FusedReduce r, double a, double b) {
  if (r != FusedReduce::Max) return a + b;
  if (a != a || b != b) return kNaN;
  return a > b ? a : b;
}

double identity(FusedReduce r) { return r == FusedReduce::Max ? -kInf : 0.0; }

// The value of a row from its accumulated partial (the mean divides by the row's length).
double finish(FusedReduce r, double acc, int64_t rowLen) {
  return r == FusedReduce::Mean ? acc / static_cast<double>(rowLen) : acc;
}

// ---- the tile interpreter ---------------------------------------------------------------------

struct Step {
  UnarySpan unary;
  BinarySpans bin;
  // Where this instruction and the next are AVX-512 float32 arithmetic, the next reads this one's
  // result once and nothing else reads it: the two in one pass, for this instruction's tile
  // operand first (pair[0]) or second (pair[1]), when the other operands are single values.
  FusedPairSpan pair[2] = {nullptr, nullptr};
};

// Per-thread scratch: registers and gathered inputs.
thread_local Buffer scratch;

template <class T>
class Runner {
 public:
  Runner(const FusedProgram& p, const std::vector<FusedInput>& ins, const std::vector<Step>& steps)
      : p_(p), ins_(ins), steps_(steps) {}

  // Registers then one gather buffer per input, each tile_elems<T>() long, on this thread.
  T* scratch_for_thread() const {
    const size_t regs = static_cast<size_t>(p_.numRegs + p_.numInputs);
    return scratch.as<T>(std::max<size_t>(regs, 1) * static_cast<size_t>(tile_elems<T>()));
  }

  // Computes elements [o, o + m) of the program's last result (m <= the tile size): into
  // outTile when the program has no reduction, else into a register. Returns the values.
  const T* tile(int64_t o, int64_t m, T* outTile, T* regs) const {
    constexpr int64_t TILE = tile_elems<T>();
    const int k = p_.numInputs;
    const int nv = k + static_cast<int>(p_.code.size());
    // Operand values: a pointer and whether it is one value for the whole tile.
    const T* ptr[64];
    bool splat[64];
    std::vector<const T*> ptrBig;
    std::vector<char> splatBig;
    const T** vp = ptr;
    bool* vs = splat;
    if (nv > 64) {
      ptrBig.resize(static_cast<size_t>(nv));
      splatBig.resize(static_cast<size_t>(nv));
      vp = ptrBig.data();
      vs = reinterpret_cast<bool*>(splatBig.data());
    }
    T* gather = regs + static_cast<int64_t>(p_.numRegs) * TILE;
    for (int q = 0; q < k; q++) {
      const FusedInput& in = ins_[q];
      const T* data = static_cast<const T*>(in.data);
      const int64_t rep = in.rep, per = in.per;
      if (per == 1) {
        vp[q] = data;
        vs[q] = true;
      } else if (rep == 1 && (o % per) + m <= per) {
        vp[q] = data + o % per;  // one contiguous stretch: read in place
        vs[q] = false;
      } else if (rep > 1 && (o % rep) + m <= rep) {
        vp[q] = data + (o / rep) % per;  // inside one run of a repeated value
        vs[q] = true;
      } else {
        T* g = gather + static_cast<int64_t>(q) * TILE;
        T* w = g;
        for (int64_t i = o, end = o + m; i < end;) {
          const int64_t idx = (i / rep) % per;
          int64_t len;
          if (rep == 1) {
            len = std::min(per - idx, end - i);
            std::memcpy(w, data + idx, static_cast<size_t>(len) * sizeof(T));
          } else {
            len = std::min(rep - i % rep, end - i);
            std::fill(w, w + len, data[idx]);
          }
          w += len;
          i += len;
        }
        vp[q] = g;
        vs[q] = false;
      }
    }
    const int last = static_cast<int>(p_.code.size()) - 1;
    for (int j = 0; j <= last; j++) {
      const FusedInstr& in = p_.code[j];
      const Step& st = steps_[j];
      if (st.pair[0] != nullptr && vs[in.a] != vs[in.b]) {
        // This instruction and the next in one pass (float32 only: Step::pair).
        const FusedInstr& in2 = p_.code[j + 1];
        const bool xIsB = vs[in.a];
        const int other2 = in2.a == k + j ? in2.b : in2.a;
        if (vs[other2]) {
          T* dst = p_.reg[j + 1] < 0 ? outTile : regs + static_cast<int64_t>(p_.reg[j + 1]) * TILE;
          const float* x = reinterpret_cast<const float*>(xIsB ? vp[in.b] : vp[in.a]);
          const float c1 = static_cast<float>(*(xIsB ? vp[in.a] : vp[in.b]));
          st.pair[xIsB ? 1 : 0](x, c1, static_cast<float>(*vp[other2]),
                                reinterpret_cast<float*>(dst), m);
          vp[k + j] = nullptr;  // read by nobody else
          vs[k + j] = false;
          vp[k + j + 1] = dst;
          vs[k + j + 1] = false;
          j++;
          continue;
        }
      }
      T* dst = p_.reg[j] < 0 ? outTile : regs + static_cast<int64_t>(p_.reg[j]) * TILE;
      bool one;
      if (!in.binary) {
        one = vs[in.a];
        st.unary(vp[in.a], dst, one ? 1 : m);
      } else {
        const bool sa = vs[in.a], sb = vs[in.b];
        one = sa && sb;
        if (sa == sb)
          st.bin.vv(vp[in.a], vp[in.b], dst, one ? 1 : m);
        else if (sb)
          st.bin.vs(vp[in.a], vp[in.b], dst, m);
        else
          st.bin.sv(vp[in.a], vp[in.b], dst, m);
      }
      if (one && j == last) {
        std::fill(dst + 1, dst + m, dst[0]);
        one = false;
      }
      vp[k + j] = dst;
      vs[k + j] = one;
    }
    return vp[k + last];
  }

 private:
  const FusedProgram& p_;
  const std::vector<FusedInput>& ins_;
  const std::vector<Step>& steps_;
};

// Tiles a task covers: about 2^17 units of work, an instruction costing 1 per element, or 10
// with a libm call, so a task outweighs its scheduling many times over.
int64_t tiles_per_task(const FusedProgram& p, int64_t tile) {
  int64_t units = 0;
  for (const FusedInstr& in : p.code) {
    const bool extra = in.fn >= (in.binary ? kNumBinary : kNumUnary);
    units += !extra && (in.binary ? binary_spans(in.fn, DType::F64).cost : unary_cost(in.fn))
                 ? 10
                 : 1;
  }
  return std::max<int64_t>(1, (int64_t(1) << 17) / (std::max<int64_t>(units, 1) * tile));
}

// Task counts stay within what the pool takes in one job (it runs bigger jobs inline).
int64_t cap_tasks(int64_t want, int64_t items, int64_t* per) {
  constexpr int64_t kMax = int64_t(1) << 20;
  if (want <= kMax) return want;
  *per = (items + kMax - 1) / kMax;
  return (items + *per - 1) / *per;
}

template <class T>
void run_t(const FusedProgram& p, const std::vector<FusedInput>& ins, T* out, int64_t n,
           int64_t rows, int64_t rowLen) {
  constexpr int64_t TILE = tile_elems<T>();
  const DType t = sizeof(T) == 4 ? DType::F32 : DType::F64;
  std::vector<Step> steps(p.code.size());
  const bool wide = t == DType::F32 && avx512();
  for (size_t j = 0; j < p.code.size(); j++) {
    const FusedInstr& in = p.code[j];
    if (in.binary) {
      if (wide && fused_avx512_binary_spans(in.fn, &steps[j].bin)) continue;
      steps[j].bin = in.fn < kNumBinary ? binary_spans(in.fn, t)
                                        : fused_extra_binary_spans(in.fn - kNumBinary, t);
    } else
      steps[j].unary = in.fn < kNumUnary ? unary_span(in.fn, t)
                                         : fused_extra_unary_span(in.fn - kNumUnary, t);
  }
  if (wide) {
    // Pairs of arithmetic instructions for one pass (Step::pair): the second reads the first's
    // result as exactly one operand, and nothing else reads it.
    const int k = p.numInputs;
    const int m = static_cast<int>(p.code.size());
    std::vector<int> reads(static_cast<size_t>(m), 0);
    for (const FusedInstr& in : p.code) {
      if (in.a >= k) reads[in.a - k]++;
      if (in.binary && in.b >= k) reads[in.b - k]++;
    }
    for (int j = 0; j + 1 < m; j++) {
      const FusedInstr& a = p.code[j];
      const FusedInstr& b = p.code[j + 1];
      if (!a.binary || !b.binary || a.a == a.b || reads[j] != 1) continue;
      if ((b.a == k + j) == (b.b == k + j)) continue;
      const bool zIsB = b.b == k + j;
      steps[j].pair[0] = fused_avx512_pair_span(a.fn, false, b.fn, zIsB);
      steps[j].pair[1] = fused_avx512_pair_span(a.fn, true, b.fn, zIsB);
      if (steps[j].pair[0] != nullptr) j++;  // the next instruction is taken
    }
  }
  const Runner<T> run(p, ins, steps);
  const bool avx2 = isa() == Isa::Avx2;
  ThreadPool& pool = ThreadPool::get();
  int64_t tpt = tiles_per_task(p, TILE);
  const FusedReduce red = p.reduce;

  if (red == FusedReduce::None) {
    if (n == 0) return;
    const int64_t ntiles = (n + TILE - 1) / TILE;
    const int64_t ntasks = cap_tasks((ntiles + tpt - 1) / tpt, ntiles, &tpt);
    pool.run(ntasks, [&](int64_t task, int) {
      T* regs = run.scratch_for_thread();
      const int64_t t1 = std::min(ntiles, (task + 1) * tpt);
      for (int64_t ti = task * tpt; ti < t1; ti++) {
        const int64_t o = ti * TILE;
        run.tile(o, std::min(TILE, n - o), out + o, regs);
      }
    });
    return;
  }

  if (rows == 0) return;
  if (rowLen == 0) {
    // Empty rows: every output is the identity (the mean of nothing is NaN, as 0/0).
    const T v = static_cast<T>(red == FusedReduce::Mean ? kNaN : identity(red));
    std::fill(out, out + rows, v);
    return;
  }
  if (rowLen <= TILE) {
    // Short rows: a tile holds whole rows, each reduced by the task that computes it.
    const int64_t rowsPerTile = TILE / rowLen;
    const int64_t ntiles = (rows + rowsPerTile - 1) / rowsPerTile;
    const int64_t ntasks = cap_tasks((ntiles + tpt - 1) / tpt, ntiles, &tpt);
    pool.run(ntasks, [&](int64_t task, int) {
      T* regs = run.scratch_for_thread();
      const int64_t t1 = std::min(ntiles, (task + 1) * tpt);
      for (int64_t ti = task * tpt; ti < t1; ti++) {
        const int64_t r0 = ti * rowsPerTile, r1 = std::min(rows, r0 + rowsPerTile);
        const T* v = run.tile(r0 * rowLen, (r1 - r0) * rowLen, nullptr, regs);
        for (int64_t r = r0; r < r1; r++)
          out[r] = static_cast<T>(
              finish(red, reduce_span(red, v + (r - r0) * rowLen, rowLen, avx2), rowLen));
      }
    });
    return;
  }
  // Long rows: each row in pieces of whole tiles, one partial per piece, combined in order
  // (the pieces do not depend on the thread count, so neither does the result).
  const int64_t piece = tpt * TILE;
  const int64_t pieces = (rowLen + piece - 1) / piece;
  std::vector<double> part(static_cast<size_t>(rows * pieces));
  int64_t per = 1;
  const int64_t items = rows * pieces;
  const int64_t ntasks = cap_tasks(items, items, &per);
  pool.run(ntasks, [&](int64_t task, int) {
    T* regs = run.scratch_for_thread();
    const int64_t i1 = std::min(items, (task + 1) * per);
    for (int64_t item = task * per; item < i1; item++) {
      const int64_t r = item / pieces, q = item % pieces;
      const int64_t b = q * piece, e = std::min(rowLen, b + piece);
      double acc = identity(red);
      for (int64_t o = b; o < e; o += TILE) {
        const int64_t m = std::min(TILE, e - o);
        const T* v = run.tile(r * rowLen + o, m, nullptr, regs);
        acc = combine(red, acc, reduce_span(red, v, m, avx2));
      }
      part[static_cast<size_t>(item)] = acc;
    }
  });
  for (int64_t r = 0; r < rows; r++) {
    double acc = identity(red);
    for (int64_t q = 0; q < pieces; q++) acc = combine(red, acc, part[static_cast<size_t>(r * pieces + q)]);
    out[r] = static_cast<T>(finish(red, acc, rowLen));
  }
}

}  // namespace

void run_fused_program(const FusedProgram& p, DType t, const std::vector<FusedInput>& ins,
                       void* out, int64_t n, int64_t rows, int64_t rowLen) {
  if (t == DType::F32)
    run_t(p, ins, static_cast<float*>(out), n, rows, rowLen);
  else
    run_t(p, ins, static_cast<double*>(out), n, rows, rowLen);
}

}  // namespace tf
