// (No include guard: included once per instruction set, each time in its own namespace.)
// Row-range passes of the batch-norm kernels (batchnorm.cc), included once per instruction set
// (the compiler vectorizes the channel loops for it). x, dy, y, dx are [rows, C]; the sums are
// per channel, in double, of values shifted by K (a per-channel value near the mean, so that the
// one-pass variance sum((x - K)^2) - n (mean - K)^2 does not cancel).

// s1 += sum (x - K), s2 += sum (x - K)^2 over rows [r0, r1).
template <class T>
void stats_rows(const T* TF_RESTRICT x, int64_t r0, int64_t r1, int64_t C,
                const double* TF_RESTRICT K, double* TF_RESTRICT s1, double* TF_RESTRICT s2) {
  for (int64_t r = r0; r < r1; r++) {
    const T* TF_RESTRICT xr = x + r * C;
    for (int64_t c = 0; c < C; c++) {
      const double d = double(xr[c]) - K[c];
      s1[c] += d;
      s2[c] += d * d;
    }
  }
}

// The same sums, and sd += sum dy, sdx += sum dy (x - K).
template <class T>
void grad_stats_rows(const T* TF_RESTRICT dy, const T* TF_RESTRICT x, int64_t r0, int64_t r1,
                     int64_t C, const double* TF_RESTRICT K, double* TF_RESTRICT s1,
                     double* TF_RESTRICT s2, double* TF_RESTRICT sd, double* TF_RESTRICT sdx) {
  for (int64_t r = r0; r < r1; r++) {
    const T* TF_RESTRICT xr = x + r * C;
    const T* TF_RESTRICT dr = dy + r * C;
    for (int64_t c = 0; c < C; c++) {
      const double d = double(xr[c]) - K[c], g = double(dr[c]);
      s1[c] += d;
      s2[c] += d * d;
      sd[c] += g;
      sdx[c] += g * d;
    }
  }
}

// y = x a + b per channel.
template <class T>
void apply_rows(const T* TF_RESTRICT x, int64_t r0, int64_t r1, int64_t C, const T* TF_RESTRICT a,
                const T* TF_RESTRICT b, T* TF_RESTRICT y) {
  for (int64_t r = r0; r < r1; r++) {
    const T* TF_RESTRICT xr = x + r * C;
    T* TF_RESTRICT yr = y + r * C;
    for (int64_t c = 0; c < C; c++) yr[c] = xr[c] * a[c] + b[c];
  }
}

// dx = dy a + x b + k per channel.
template <class T>
void grad_apply_rows(const T* TF_RESTRICT dy, const T* TF_RESTRICT x, int64_t r0, int64_t r1,
                     int64_t C, const T* TF_RESTRICT a, const T* TF_RESTRICT b,
                     const T* TF_RESTRICT k, T* TF_RESTRICT dx) {
  for (int64_t r = r0; r < r1; r++) {
    const T* TF_RESTRICT xr = x + r * C;
    const T* TF_RESTRICT dr = dy + r * C;
    T* TF_RESTRICT o = dx + r * C;
    for (int64_t c = 0; c < C; c++) o[c] = dr[c] * a[c] + xr[c] * b[c] + k[c];
  }
}

template <class T>
struct BnFns {
  void (*stats)(const T*, int64_t, int64_t, int64_t, const double*, double*, double*);
  void (*grad_stats)(const T*, const T*, int64_t, int64_t, int64_t, const double*, double*,
                     double*, double*, double*);
  void (*apply)(const T*, int64_t, int64_t, int64_t, const T*, const T*, T*);
  void (*grad_apply)(const T*, const T*, int64_t, int64_t, int64_t, const T*, const T*,
                     const T*, T*);
};

template <class T>
BnFns<T> bn_fns() {
  return BnFns<T>{&stats_rows<T>, &grad_stats_rows<T>, &apply_rows<T>, &grad_apply_rows<T>};
}
