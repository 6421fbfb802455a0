// The register-tile kernels of conv_direct.cc, included once per instruction set inside a
// namespace that defines Vec<T> (reg, L, zero, load, bcast, fma, store) and kNV, kRF, kRW (the
// tile shapes). No standard-library templates are instantiated here: this code may be compiled
// for an instruction set the CPU lacks, and only runs once the CPU said it has it.
// (No include guard: meant to be included more than once, each time in its own namespace.)

// Forward tile: out[r * ldo + j] = sum over taps t < ntaps and ic < C of
// px[r][tapoff[t] + ic] * wp[(t * C + ic) * NV * L + j], for r < R and j < NV * L.
template <class T, int R, int NV>
void fwd_tile(const T* const* px, const int64_t* tapoff, int64_t ntaps, int64_t C, const T* wp,
              T* out, int64_t ldo) {
  using V = Vec<T>;
  constexpr int L = V::L;
  typename V::reg acc[R][NV];
#pragma GCC unroll 32
  for (int r = 0; r < R; r++)
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) acc[r][v] = V::zero();
  const T* wk = wp;
  for (int64_t t = 0; t < ntaps; t++) {
    const T* xs[R];
#pragma GCC unroll 32
    for (int r = 0; r < R; r++) xs[r] = px[r] + tapoff[t];
    for (int64_t ic = 0; ic < C; ic++, wk += NV * L) {
      typename V::reg wv[NV];
#pragma GCC unroll 8
      for (int v = 0; v < NV; v++) wv[v] = V::load(wk + v * L);
#pragma GCC unroll 32
      for (int r = 0; r < R; r++) {
        const typename V::reg b = V::bcast(xs[r] + ic);
#pragma GCC unroll 8
        for (int v = 0; v < NV; v++) acc[r][v] = V::fma(b, wv[v], acc[r][v]);
      }
    }
  }
#pragma GCC unroll 32
  for (int r = 0; r < R; r++)
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) V::store(out + r * ldo + v * L, acc[r][v]);
}

// Accumulating forward tile with one tap (the input gradient's scatter): outp[r][j] +=
// sum over ic < C of px[r][ic] * wp[ic * NV * L + j], for r < R and j < NV * L; each row r has
// its own destination.
template <class T, int R, int NV>
void fwd_acc_tile(const T* const* px, int64_t C, const T* wp, T* const* outp) {
  using V = Vec<T>;
  constexpr int L = V::L;
  typename V::reg acc[R][NV];
#pragma GCC unroll 32
  for (int r = 0; r < R; r++)
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) acc[r][v] = V::load(outp[r] + v * L);
  const T* wk = wp;
  for (int64_t ic = 0; ic < C; ic++, wk += NV * L) {
    typename V::reg wv[NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) wv[v] = V::load(wk + v * L);
#pragma GCC unroll 32
    for (int r = 0; r < R; r++) {
      const typename V::reg b = V::bcast(px[r] + ic);
#pragma GCC unroll 8
      for (int v = 0; v < NV; v++) acc[r][v] = V::fma(b, wv[v], acc[r][v]);
    }
  }
#pragma GCC unroll 32
  for (int r = 0; r < R; r++)
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) V::store(outp[r] + v * L, acc[r][v]);
}

// Filter-gradient tile: acc[r * lda + j] (+)= sum over n pixels q of
// x[q * xstep(q) + off[r]] * dy[q * ldd + j], r < R, j < NV * L. The pixels run over `rows`
// rows of `cols` pixels: pixel (i, k) reads x at x0 + i * rowStep + k * pixStep.
template <class T, int R, int NV>
void filt_tile(const T* x0, int64_t rows, int64_t cols, int64_t rowStep, int64_t pixStep,
               const int64_t* off, const T* dy, int64_t ldd, T* accm, int64_t lda, bool load) {
  using V = Vec<T>;
  constexpr int L = V::L;
  typename V::reg acc[R][NV];
#pragma GCC unroll 32
  for (int r = 0; r < R; r++)
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) acc[r][v] = load ? V::load(accm + r * lda + v * L) : V::zero();
  int64_t o[R];
#pragma GCC unroll 32
  for (int r = 0; r < R; r++) o[r] = off[r];
  for (int64_t i = 0; i < rows; i++) {
    const T* xq = x0 + i * rowStep;
    for (int64_t k = 0; k < cols; k++, xq += pixStep, dy += ldd) {
      typename V::reg d[NV];
#pragma GCC unroll 8
      for (int v = 0; v < NV; v++) d[v] = V::load(dy + v * L);
#pragma GCC unroll 32
      for (int r = 0; r < R; r++) {
        const typename V::reg b = V::bcast(xq + o[r]);
#pragma GCC unroll 8
        for (int v = 0; v < NV; v++) acc[r][v] = V::fma(b, d[v], acc[r][v]);
      }
    }
  }
#pragma GCC unroll 32
  for (int r = 0; r < R; r++)
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) V::store(accm + r * lda + v * L, acc[r][v]);
}

template <class T>
struct TileFns {
  int L;
  int nv[3], rf[3], rw[3];
  void (*fwd[3])(const T* const*, const int64_t*, int64_t, int64_t, const T*, T*, int64_t);
  void (*fwdAcc[3])(const T* const*, int64_t, const T*, T* const*);
  void (*filt[3])(const T*, int64_t, int64_t, int64_t, int64_t, const int64_t*, const T*,
                  int64_t, T*, int64_t, bool);
};

template <class T>
TileFns<T> tile_fns() {
  TileFns<T> f;
  f.L = Vec<T>::L;
  for (int i = 0; i < 3; i++) {
    f.nv[i] = kNV[i];
    f.rf[i] = kRF[i];
    f.rw[i] = kRW[i];
  }
  f.fwd[0] = &fwd_tile<T, kRF[0], kNV[0]>;
  f.fwd[1] = &fwd_tile<T, kRF[1], kNV[1]>;
  f.fwd[2] = &fwd_tile<T, kRF[2], kNV[2]>;
  f.fwdAcc[0] = &fwd_acc_tile<T, kRF[0], kNV[0]>;
  f.fwdAcc[1] = &fwd_acc_tile<T, kRF[1], kNV[1]>;
  f.fwdAcc[2] = &fwd_acc_tile<T, kRF[2], kNV[2]>;
  f.filt[0] = &filt_tile<T, kRW[0], kNV[0]>;
  f.filt[1] = &filt_tile<T, kRW[1], kNV[1]>;
  f.filt[2] = &filt_tile<T, kRW[2], kNV[2]>;
  return f;
}
