// The per-output-row kernels of pool_fast.cc, included once per instruction set inside a
// namespace that defines kVecBytes (the vector width in bytes). No include guard: meant to be
// included more than once. Only GCC/Clang vector extensions; selects are bitwise, so a NaN or
// -0 moves through them unchanged.

// Own min / max: no standard-library template may be instantiated in this code (it may be
// compiled for an instruction set the CPU lacks, and the linker could share that copy).
TF_INLINE int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
TF_INLINE int64_t imax(int64_t a, int64_t b) { return a > b ? a : b; }

template <class T>
struct PV;
template <>
struct PV<float> {
  typedef float reg __attribute__((vector_size(kVecBytes)));
  typedef int32_t ireg __attribute__((vector_size(kVecBytes)));
  typedef int32_t idx;
};
template <>
struct PV<double> {
  typedef double reg __attribute__((vector_size(kVecBytes)));
  typedef int64_t ireg __attribute__((vector_size(kVecBytes)));
  typedef int64_t idx;
};

template <class T>
struct PK {
  using reg = typename PV<T>::reg;
  using ireg = typename PV<T>::ireg;
  using idx = typename PV<T>::idx;
  static constexpr int64_t L = kVecBytes / sizeof(T);

  static TF_INLINE reg load(const T* p) {
    reg r;
    std::memcpy(&r, p, sizeof(reg));
    return r;
  }
  static TF_INLINE void store(T* p, reg v) { std::memcpy(p, &v, sizeof(reg)); }
  // mask ? a : b, bit by bit.
  static TF_INLINE reg sel(ireg mask, reg a, reg b) {
    return reinterpret_cast<reg>((reinterpret_cast<ireg>(a) & mask) |
                                 (reinterpret_cast<ireg>(b) & ~mask));
  }
  static TF_INLINE ireg isel(ireg mask, ireg a, ireg b) { return (a & mask) | (b & ~mask); }
  // Lanes where v replaces the running max m: larger, or the first NaN.
  static TF_INLINE ireg beats(reg v, reg m) {
    return reinterpret_cast<ireg>(v > m) |
           (reinterpret_cast<ireg>(v != v) & reinterpret_cast<ireg>(m == m));
  }
  static TF_INLINE bool beats1(T v, T m) { return v > m || (v != v && m == m); }

  // The window of output pixel (oh, ow) of an image: rows [hs, he), columns [ws, we).
  struct Win {
    int64_t hs, he, ws, we;
  };
  static TF_INLINE Win win(const Pool2DParams& p, int64_t oh, int64_t ow) {
    const int64_t h0 = oh * p.strideH - p.padTop, w0 = ow * p.strideW - p.padLeft;
    return Win{imax(h0, 0), imin(h0 + p.windowH, p.inH), imax(w0, 0), imin(w0 + p.windowW, p.inW)};
  }

  // The 2x2 window whose top-left pixel is a (b = a's right neighbor, d = a's lower one, e =
  // d's right), channels [c, c + L): the max and its rank (0..3, row-major; first on ties).
  static TF_INLINE reg max4(const T* a, const T* b, const T* d, const T* e, ireg* at) {
    reg m = load(a);
    ireg k = ireg{} - ireg{};
    const reg vb = load(b), vd = load(d), ve = load(e);
    ireg hit = beats(vb, m);
    m = sel(hit, vb, m);
    k = isel(hit, ireg{} + 1, k);
    hit = beats(vd, m);
    m = sel(hit, vd, m);
    k = isel(hit, ireg{} + 2, k);
    hit = beats(ve, m);
    m = sel(hit, ve, m);
    k = isel(hit, ireg{} + 3, k);
    if (at != nullptr) *at = k;
    return m;
  }

  // Whether window w is a whole 2x2 one (the common pooling, away from clipped borders).
  static TF_INLINE bool full2x2(const Pool2DParams& p, const Win& w) {
    return p.windowH == 2 && p.windowW == 2 && w.he - w.hs == 2 && w.we - w.ws == 2;
  }

  // Forward, one output row: y[ow, c] = max over the window of x (x: the image).
  static void fwd_row(const T* x, T* y, const Pool2DParams& p, int64_t oh) {
    const int64_t C = p.channels, W = p.inW;
    for (int64_t ow = 0; ow < p.outW; ow++) {
      const Win w = win(p, oh, ow);
      if (full2x2(p, w) && C % L == 0) {
        const T* a = x + (w.hs * W + w.ws) * C;
        for (int64_t c = 0; c < C; c += L)
          store(y + ow * C + c, max4(a + c, a + C + c, a + W * C + c, a + W * C + C + c, nullptr));
        continue;
      }
      const T* first = x + (w.hs * W + w.ws) * C;
      T* yo = y + ow * C;
      int64_t c = 0;
      for (; c + L <= C; c += L) {
        reg m = load(first + c);
        for (int64_t ih = w.hs; ih < w.he; ih++)
          for (int64_t iw = (ih == w.hs ? w.ws + 1 : w.ws); iw < w.we; iw++) {
            const reg v = load(x + (ih * W + iw) * C + c);
            m = sel(beats(v, m), v, m);
          }
        store(yo + c, m);
      }
      for (; c < C; c++) {
        T m = first[c];
        for (int64_t ih = w.hs; ih < w.he; ih++)
          for (int64_t iw = (ih == w.hs ? w.ws + 1 : w.ws); iw < w.we; iw++) {
            const T v = x[(ih * W + iw) * C + c];
            if (beats1(v, m)) m = v;
          }
        yo[c] = m;
      }
    }
  }

  // The argmax of channels [c, c + L) over window w, as the pixel's rank k in the window
  // (row-major, 0 = (hs, ws)).
  static TF_INLINE ireg argmax(const T* x, const Pool2DParams& p, const Win& w, int64_t c) {
    const int64_t C = p.channels, W = p.inW;
    reg m = load(x + (w.hs * W + w.ws) * C + c);
    ireg at = ireg{} - ireg{};
    idx k = 0;
    for (int64_t ih = w.hs; ih < w.he; ih++)
      for (int64_t iw = w.ws; iw < w.we; iw++, k++) {
        if (k == 0) continue;
        const reg v = load(x + (ih * W + iw) * C + c);
        const ireg b = beats(v, m);
        m = sel(b, v, m);
        at = isel(b, ireg{} + k, at);
      }
    return at;
  }
  static TF_INLINE int64_t argmax1(const T* x, const Pool2DParams& p, const Win& w, int64_t c) {
    const int64_t C = p.channels, W = p.inW;
    T m = x[(w.hs * W + w.ws) * C + c];
    int64_t at = 0, k = 0;
    for (int64_t ih = w.hs; ih < w.he; ih++)
      for (int64_t iw = w.ws; iw < w.we; iw++, k++) {
        const T v = x[(ih * W + iw) * C + c];
        if (k > 0 && beats1(v, m)) {
          m = v;
          at = k;
        }
      }
    return at;
  }

  // Gradient, the input rows [r0, r1) that output row oh owns (its window's rows and the rows
  // up to the next window's, or to the end for the last row): dx = dy at each window's argmax,
  // 0 elsewhere. x, dx: the image; dyr: output row oh of dy.
  static void grad_rows(const T* x, const T* dyr, T* dx, const Pool2DParams& p, int64_t oh,
                        int64_t r0, int64_t r1) {
    const int64_t C = p.channels, W = p.inW, rowLen = W * C;
    const Win w0 = win(p, oh, 0);
    // Rows of [r0, r1) outside the window, and the columns no window covers, are zero.
    for (int64_t ih = r0; ih < r1; ih++) {
      T* d = dx + ih * rowLen;
      if (ih < w0.hs || ih >= w0.he) {
        std::memset(d, 0, static_cast<size_t>(rowLen) * sizeof(T));
        continue;
      }
      int64_t col = 0;  // columns before col are written or zeroed
      for (int64_t ow = 0; ow < p.outW; ow++) {
        const Win w = win(p, oh, ow);
        if (w.ws > col)
          std::memset(d + col * C, 0, static_cast<size_t>((w.ws - col) * C) * sizeof(T));
        col = imax(col, w.we);
      }
      if (col < W) std::memset(d + col * C, 0, static_cast<size_t>((W - col) * C) * sizeof(T));
    }
    if (w0.he <= w0.hs) return;
    for (int64_t ow = 0; ow < p.outW; ow++) {
      const Win w = win(p, oh, ow);
      const T* g = dyr + ow * C;
      if (full2x2(p, w) && C % L == 0) {
        const int64_t o = (w.hs * W + w.ws) * C;
        const T *a = x + o, *b = a + C, *d = a + W * C, *e = d + C;
        T *da = dx + o, *db = da + C, *dd = da + W * C, *de = dd + C;
        const reg zero = reg{} - reg{};
        for (int64_t c = 0; c < C; c += L) {
          ireg at;
          max4(a + c, b + c, d + c, e + c, &at);
          const reg gv = load(g + c);
          store(da + c, sel(at == (ireg{} + 0), gv, zero));
          store(db + c, sel(at == (ireg{} + 1), gv, zero));
          store(dd + c, sel(at == (ireg{} + 2), gv, zero));
          store(de + c, sel(at == (ireg{} + 3), gv, zero));
        }
        continue;
      }
      int64_t c = 0;
      for (; c + L <= C; c += L) {
        const ireg at = argmax(x, p, w, c);
        const reg gv = load(g + c);
        const reg zero = reg{} - reg{};
        idx k = 0;
        for (int64_t ih = w.hs; ih < w.he; ih++)
          for (int64_t iw = w.ws; iw < w.we; iw++, k++)
            store(dx + (ih * W + iw) * C + c, sel(at == (ireg{} + k), gv, zero));
      }
      for (; c < C; c++) {
        const int64_t at = argmax1(x, p, w, c);
        int64_t k = 0;
        for (int64_t ih = w.hs; ih < w.he; ih++)
          for (int64_t iw = w.ws; iw < w.we; iw++, k++)
            dx[(ih * W + iw) * C + c] = k == at ? g[c] : T(0);
      }
    }
  }

  // The gradient's adjoint, one output row: out[ow, c] = g at the window's argmax (x, g: the
  // image).
  static void grad_grad_row(const T* x, const T* g, T* out, const Pool2DParams& p, int64_t oh) {
    const int64_t C = p.channels, W = p.inW;
    for (int64_t ow = 0; ow < p.outW; ow++) {
      const Win w = win(p, oh, ow);
      T* o = out + ow * C;
      int64_t c = 0;
      for (; c + L <= C; c += L) {
        const ireg at = argmax(x, p, w, c);
        reg r = load(g + (w.hs * W + w.ws) * C + c);
        idx k = 0;
        for (int64_t ih = w.hs; ih < w.he; ih++)
          for (int64_t iw = w.ws; iw < w.we; iw++, k++)
            if (k > 0) r = sel(at == (ireg{} + k), load(g + (ih * W + iw) * C + c), r);
        store(o + c, r);
      }
      for (; c < C; c++) {
        const int64_t at = argmax1(x, p, w, c);
        o[c] = g[((w.hs + at / (w.we - w.ws)) * W + w.ws + at % (w.we - w.ws)) * C + c];
      }
    }
  }
};
