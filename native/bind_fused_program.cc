// N-API entry point of the fused elementwise programs (fused_program.h). Argument rules:
// addon.cc.
#include <string>
#include <vector>

#include "binding.h"
#include "fused_program.h"

namespace {

using namespace tf_bind;  // NOLINT: the binding helpers
using tf::DType;

constexpr size_t kFixedArgs = 5;

// A positive integer stored in a double, or a RangeError naming what it is.
int64_t layout_int(const Call& c, double v, const std::string& what) {
  if (!(v >= 1 && v <= kMaxSafe && std::floor(v) == v))
    c.range_error(what + " must be a positive integer, got " + std::to_string(v));
  return static_cast<int64_t>(v);
}

// fusedProgram(code, layout, out, n, rowLen, ...inputs)
//   code: Int32Array [numInputs, numInstrs, reduce (0 none, 1 sum, 2 mean, 3 max), then per
//         instruction: kind (0 unary, 1 binary), fn, a, b (-1 for unary)]; operands 0..numInputs-1
//         are the inputs, numInputs + j the result of instruction j (j earlier than the reader).
//   layout: Float64Array [rep, per] per input: element i reads input[(i / rep) % per].
//   n: the elements of the iteration space. rowLen: with a reduction, the length of the runs
//   reduced (out has n / rowLen elements); ignored without one (out has n elements).
Napi::Value FusedProgram(const Napi::CallbackInfo& info) {
  Call c(info, "fusedProgram");
  const int64_t n = c.count(3, "n");
  const int64_t rowLen = c.count(4, "rowLen");
  if (info.Length() < kFixedArgs)
    c.type_error("expected (code, layout, out, n, rowLen, ...inputs), got " +
                 std::to_string(info.Length()) + " arguments");
  const size_t numArgs = info.Length() - kFixedArgs;
  Arr code = c.array(0, "code");
  c.expect_dtype(code, DType::I32);
  Arr layout = c.float_array(1, "layout");
  c.expect_dtype(layout, DType::F64);
  Arr out = c.float_array(2, "out");
  std::vector<std::string> names(numArgs);
  std::vector<Arr> ins(numArgs);
  for (size_t q = 0; q < numArgs; q++) {
    names[q] = "inputs[" + std::to_string(q) + "]";
    ins[q] = c.float_array(kFixedArgs + q, names[q].c_str());
    if (ins[q].dtype != out.dtype)
      c.type_error(names[q] + " is " + dtype_name(ins[q].dtype) + " but out is " +
                   dtype_name(out.dtype) + ": a program runs on one float dtype");
  }
  // From here on no JS runs: decode and check the program.
  const int32_t* w = static_cast<const int32_t*>(code.data);
  if (code.length < 3) c.range_error("code has " + std::to_string(code.length) + " entries, fewer than its 3-entry header");
  tf::FusedProgram p;
  const int32_t numInputs = w[0], numInstrs = w[1], reduce = w[2];
  if (numInputs < 0 || static_cast<size_t>(numInputs) != numArgs)
    c.range_error("code declares " + std::to_string(numInputs) + " inputs but " +
                  std::to_string(numArgs) + " were given");
  if (numInstrs < 1 || numInstrs > tf::kMaxFusedInstrs)
    c.range_error("code declares " + std::to_string(numInstrs) + " instructions (expected 1.." +
                  std::to_string(tf::kMaxFusedInstrs) + ")");
  if (code.length != 3 + 4 * static_cast<int64_t>(numInstrs))
    c.range_error("code has " + std::to_string(code.length) + " entries, expected " +
                  std::to_string(3 + 4 * static_cast<int64_t>(numInstrs)) + " for " +
                  std::to_string(numInstrs) + " instructions");
  if (reduce < 0 || reduce > 3)
    c.range_error("unknown reduction " + std::to_string(reduce) + " (0 none, 1 sum, 2 mean, 3 max)");
  p.numInputs = numInputs;
  p.reduce = static_cast<tf::FusedReduce>(reduce);
  p.code.resize(static_cast<size_t>(numInstrs));
  for (int32_t j = 0; j < numInstrs; j++) {
    const int32_t* e = w + 3 + 4 * j;
    if (e[0] != 0 && e[0] != 1)
      c.range_error("instruction " + std::to_string(j) + " has kind " + std::to_string(e[0]) +
                    " (0 unary, 1 binary)");
    if (e[0] == 0 && e[3] != -1)
      c.range_error("instruction " + std::to_string(j) +
                    " is unary but has a second operand (expected -1)");
    p.code[j] = tf::FusedInstr{e[0] == 1, e[1], e[2], e[3]};
  }
  std::string err = tf::plan_fused_program(p);
  if (!err.empty()) c.range_error(err);
  // Sizes.
  int64_t rows = 0;
  if (p.reduce == tf::FusedReduce::None) {
    c.expect_len(out, n);
  } else {
    rows = out.length;
    if (c.product({rows, rowLen}) != n || (rowLen == 0 && n != 0))
      c.range_error("out has " + std::to_string(rows) + " rows of " + std::to_string(rowLen) +
                    " elements, but n is " + std::to_string(n));
  }
  c.expect_len(layout, 2 * static_cast<int64_t>(numArgs));
  const double* lay = static_cast<const double*>(layout.data);
  std::vector<tf::FusedInput> fin(numArgs);
  for (size_t q = 0; q < numArgs; q++) {
    fin[q].data = ins[q].data;
    fin[q].rep = 1;
    fin[q].per = ins[q].length;
    if (n == 0) continue;  // nothing is read
    const int64_t rep = layout_int(c, lay[2 * q], "layout rep of " + names[q]);
    const int64_t per = layout_int(c, lay[2 * q + 1], "layout per of " + names[q]);
    if (per != ins[q].length)
      c.range_error(names[q] + " has " + std::to_string(ins[q].length) +
                    " elements but its layout repeats " + std::to_string(per));
    if (static_cast<double>(rep) * static_cast<double>(per) > static_cast<double>(n) ||
        n % (rep * per) != 0)
      c.range_error(names[q] + "'s layout (rep " + std::to_string(rep) + ", per " +
                    std::to_string(per) + ") does not tile " + std::to_string(n) + " elements");
    fin[q].rep = rep;
    fin[q].per = per;
  }
  // Rule 4: out overlaps no input (inputs may share memory with each other).
  c.disjoint({&out}, {&code, &layout});
  for (size_t q = 0; q < numArgs; q++) {
    const Arr& x = ins[q];
    if (out.length > 0 && x.length > 0 && out.begin() < x.end() && x.begin() < out.end())
      c.range_error("out shares memory with " + names[q] + ": outputs must not overlap the inputs");
  }
  tf::run_fused_program(p, out.dtype, fin, out.data, n, rows, rowLen);
  return c.env().Undefined();
}

// fusedProgramNames(): {unary, binary}, the names of the instructions beyond the eager loops;
// unary[i] is fn unaryNames.length + i, binary[i] is fn binaryNames.length + i.
Napi::Value FusedProgramNames(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  Napi::Array u = Napi::Array::New(env, tf::kNumFusedExtraUnary);
  for (int i = 0; i < tf::kNumFusedExtraUnary; i++)
    u.Set(static_cast<uint32_t>(i), tf::kFusedExtraUnaryNames[i]);
  Napi::Array b = Napi::Array::New(env, tf::kNumFusedExtraBinary);
  for (int i = 0; i < tf::kNumFusedExtraBinary; i++)
    b.Set(static_cast<uint32_t>(i), tf::kFusedExtraBinaryNames[i]);
  o.Set("unary", u);
  o.Set("binary", b);
  return o;
}

}  // namespace

TF_BIND("fusedProgram", FusedProgram);
TF_BIND("fusedProgramNames", FusedProgramNames);
