"""PyTorch twins of bench/workloads (models.ts and suite.ts), run by bench/workloads/run.ts.

Each workload and op case has the same name and the same shapes as its tapeflow version, written
as a PyTorch user would write it (NCHW convolutions, nn.LSTM, F.layer_norm inside the model,
F.embedding, torch.optim.Adam). Views are made contiguous where tapeflow's op makes a copy
(transpose, slice), so both sides move the same bytes.

  python3 torch_twin.py --threads 1,2 --budget-ms 300 [--only name,name] [--suite]

prints one JSON object per line: {"name", "kind" ("model", "fwd" or "fwd+bwd"), "threads", "ms"}
(ms: the median of repeated runs after warm-up), and first a {"torch": version} line.
"""

import argparse
import json
import math
import sys
import time

import torch
import torch.nn.functional as F


def time_it(fn, budget_ms, warmup=3, min_reps=5, max_reps=200, warmup_ms=0, warmup_calls=0):
    t0 = time.perf_counter()
    fn()
    once = time.perf_counter() - t0
    slow = once > 1.0
    for _ in range(0 if slow else warmup - 1):
        fn()
    # As bench/timing.ts: keep calling for warmup_ms and warmup_calls calls (for at most three
    # times warmup_ms) before timing (the op suite's cases).
    begin = time.perf_counter()
    calls = 0
    while not slow and warmup_ms > 0:
        spent = (time.perf_counter() - begin) * 1e3
        if (spent >= warmup_ms and calls >= warmup_calls) or spent >= 3 * warmup_ms:
            break
        fn()
        calls += 1
    times = []
    start = time.perf_counter()
    reps = 2 if slow else min_reps
    while len(times) < reps or (
        not slow and (time.perf_counter() - start) * 1e3 < budget_ms and len(times) < max_reps
    ):
        a = time.perf_counter()
        fn()
        times.append(time.perf_counter() - a)
    times.sort()
    n = len(times)
    med = times[n // 2] if n % 2 else (times[n // 2 - 1] + times[n // 2]) / 2
    return med * 1e3


def param(*shape, std=None, value=None):
    if value is not None:
        t = torch.full(shape, float(value))
    else:
        t = torch.randn(*shape) * std
    return t.requires_grad_()


def train_step(params, loss_fn):
    opt = torch.optim.Adam(params, lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn()
        loss.backward()
        opt.step()

    return step


# ---- models ---------------------------------------------------------------------------------


def transformer():
    torch.manual_seed(1)
    B, T, E, H, K, Fd, V = 32, 200, 32, 2, 32, 32, 20000
    tok = param(V, E, std=0.05)
    pos = param(T, E, std=0.05)
    wq, wk, wv = (param(E, H * K, std=0.1) for _ in range(3))
    bq, bk, bv = (param(H * K, value=0) for _ in range(3))
    wo = param(H * K, E, std=0.1)
    bo = param(E, value=0)
    g1, be1 = param(E, value=1), param(E, value=0)
    w1, b1 = param(E, Fd, std=0.1), param(Fd, value=0)
    w2, b2 = param(Fd, E, std=0.1), param(E, value=0)
    g2, be2 = param(E, value=1), param(E, value=0)
    w3, b3 = param(E, 20, std=0.1), param(20, value=0)
    w4, b4 = param(20, 2, std=0.1), param(2, value=0)
    params = [tok, pos, wq, bq, wk, bk, wv, bv, wo, bo, g1, be1, w1, b1, w2, b2, g2, be2]
    params += [w3, b3, w4, b4]
    ids = torch.randint(0, V, (B, T))
    labels = torch.randint(0, 2, (B,))

    def heads(x2, w, b):
        return (x2 @ w + b).reshape(B, T, H, K).permute(0, 2, 1, 3)

    def loss():
        x = F.embedding(ids, tok) + pos
        x2 = x.reshape(B * T, E)
        q, k, v = heads(x2, wq, bq), heads(x2, wk, bk), heads(x2, wv, bv)
        p = torch.softmax((q @ k.transpose(-1, -2)) * (1 / math.sqrt(K)), -1)
        ctx = (p @ v).permute(0, 2, 1, 3).reshape(B * T, H * K)
        att = F.dropout(ctx @ wo + bo, 0.1)
        out1 = F.layer_norm(x2 + att, (E,), g1, be1, 1e-6)
        ff = F.dropout(torch.relu(out1 @ w1 + b1) @ w2 + b2, 0.1)
        out2 = F.layer_norm(out1 + ff, (E,), g2, be2, 1e-6)
        pooled = F.dropout(out2.reshape(B, T, E).mean(1), 0.1)
        h = F.dropout(torch.relu(pooled @ w3 + b3), 0.1)
        return F.cross_entropy(h @ w4 + b4, labels)

    return train_step(params, loss)


def mnist():
    torch.manual_seed(2)
    c1, cb1 = param(32, 1, 3, 3, std=0.2), param(32, value=0)
    c2, cb2 = param(64, 32, 3, 3, std=0.05), param(64, value=0)
    wd, bd = param(1600, 10, std=0.03), param(10, value=0)
    x = torch.rand(128, 1, 28, 28)
    labels = torch.randint(0, 10, (128,))

    def loss():
        h = F.max_pool2d(torch.relu(F.conv2d(x, c1, cb1)), 2)
        h = F.max_pool2d(torch.relu(F.conv2d(h, c2, cb2)), 2)
        h = F.dropout(h.reshape(128, 1600), 0.5)
        return F.cross_entropy(h @ wd + bd, labels)

    return train_step([c1, cb1, c2, cb2, wd, bd], loss)


def recurrent(make, seed):
    """A recurrent layer of 128 units over 50 steps x 32 features, batch 32, a linear 10 head."""
    torch.manual_seed(seed)
    B, T, D, U = 32, 50, 32, 128
    cell = make(D, U)
    head = torch.nn.Linear(U, 10)
    x = torch.randn(T, B, D)
    labels = torch.randint(0, 10, (B,))

    def loss():
        out, _ = cell(x)
        return F.cross_entropy(head(out[-1]), labels)

    return train_step(list(cell.parameters()) + list(head.parameters()), loss)


def lstm():
    return recurrent(torch.nn.LSTM, 3)


def gru():
    return recurrent(torch.nn.GRU, 5)


def resnet():
    torch.manual_seed(4)
    C = 32
    k1, k2 = param(C, C, 3, 3, std=0.06), param(C, C, 3, 3, std=0.06)
    ga1, bt1 = param(C, value=1), param(C, value=0)
    ga2, bt2 = param(C, value=1), param(C, value=0)
    x = torch.randn(32, C, 16, 16)

    def loss():
        h = F.conv2d(x, k1, padding=1)
        h = torch.relu(F.batch_norm(h, None, None, ga1, bt1, training=True, eps=1e-3))
        h = F.conv2d(h, k2, padding=1)
        h = F.batch_norm(h, None, None, ga2, bt2, training=True, eps=1e-3)
        return torch.relu(h + x).square().mean()

    return train_step([k1, ga1, bt1, k2, ga2, bt2], loss)


def chain():
    x = torch.randn(1_000_000)

    def run():
        y = x
        for _ in range(5):
            y = torch.tanh(torch.sin(y) * 1.5 + 0.25)

    return run


MODELS = {
    "transformer": transformer,
    "mnist": mnist,
    "lstm": lstm,
    "gru": gru,
    "resnet": resnet,
    "chain": chain,
}

# ---- op suite -------------------------------------------------------------------------------

K = 1000
M = 1_000_000
# The op suite's least warm-up, in calls (as bench/workloads/run.ts).
SUITE_WARMUP_CALLS = 10000
BT = (32, 200, 32)


def layernorm_composite(x, g, b):
    mean = x.mean(-1, keepdim=True)
    var = (x - mean.detach()).square().mean(-1, keepdim=True)
    return (x - mean) * torch.rsqrt(var + 1e-6) * g + b


UNARY = [
    ("sin", torch.sin, False),
    ("cos", torch.cos, False),
    ("tan", torch.tan, False),
    ("asin", lambda x: torch.asin(torch.tanh(x)), False),
    ("atan", torch.atan, False),
    ("sinh", torch.sinh, False),
    ("cosh", torch.cosh, False),
    ("exp", torch.exp, False),
    ("log", torch.log, True),
    ("log1p", torch.log1p, True),
    ("expm1", torch.expm1, False),
    ("erf", torch.erf, False),
    ("tanh", torch.tanh, False),
    ("sigmoid", torch.sigmoid, False),
    ("relu", torch.relu, False),
    ("sqrt", torch.sqrt, True),
    ("square", torch.square, False),
    ("gelu", F.gelu, False),
]


def suite():
    cases = []
    for n, f, pos in UNARY:
        cases.append((f"{n} 1e3", [(K,)], f, pos))
        cases.append((f"{n} 1e6", [(M,)], f, pos))
    cases += [
        ("add 1e3", [(K,), (K,)], torch.add, False),
        ("add 1e6", [(M,), (M,)], torch.add, False),
        ("mul 1e6", [(M,), (M,)], torch.mul, False),
        ("div 1e6", [(M,), (M,)], torch.div, True),
        ("add row-bcast [1000,1000]+[1000]", [(K, K), (K,)], torch.add, False),
        ("add col-bcast [1000,1000]+[1000,1]", [(K, K), (K, 1)], torch.add, False),
        ("mul [32,200,32]*[32]", [BT, (32,)], torch.mul, False),
        ("maximum 1e6", [(M,), (M,)], torch.maximum, False),
        ("sum all 1e3", [(K,)], lambda x: x.sum(), False),
        ("sum all 1e6", [(M,)], lambda x: x.sum(), False),
        ("sum axis0 [1000,1000]", [(K, K)], lambda x: x.sum(0), False),
        ("sum axis-1 [1000,1000]", [(K, K)], lambda x: x.sum(-1), False),
        ("mean axis-1 [32,200,32]", [BT], lambda x: x.mean(-1), False),
        ("mean axis0 [32,200,32]", [BT], lambda x: x.mean(0), False),
        ("max axis-1 [1000,1000]", [(K, K)], lambda x: x.amax(-1), False),
        (
            "transpose [32,200,2,16] 0213",
            [(32, 200, 2, 16)],
            lambda x: x.permute(0, 2, 1, 3).contiguous(),
            False,
        ),
        ("transpose [1000,1000]", [(K, K)], lambda x: x.t().contiguous(), False),
        ("transpose 1e3 [10,100]", [(10, 100)], lambda x: x.t().contiguous(), False),
        (
            "concat [32,200,16]x2 axis-1",
            [(32, 200, 16), (32, 200, 16)],
            lambda a, b: torch.cat([a, b], -1),
            False,
        ),
        ("concat [500,1000]x2 axis0", [(500, K), (500, K)], lambda a, b: torch.cat([a, b], 0), False),
        ("slice [32,200,64] last half", [(32, 200, 64)], lambda x: x[:, :, 32:].contiguous(), False),
        ("pad [32,26,26,32] 1 on H,W", [(32, 26, 26, 32)], lambda x: F.pad(x, (0, 0, 1, 1, 1, 1)), False),
        ("softmax [32,2,200,200]", [(32, 2, 200, 200)], lambda x: torch.softmax(x, -1), False),
        ("softmax [1000,1000]", [(K, K)], lambda x: torch.softmax(x, -1), False),
        ("softmax 1e3 [10,100]", [(10, 100)], lambda x: torch.softmax(x, -1), False),
        ("logSoftmax [1000,1000]", [(K, K)], lambda x: torch.log_softmax(x, -1), False),
        ("layernorm composite [6400,32]", [(6400, 32), (32,), (32,)], layernorm_composite, False),
        ("layernorm keras [6400,32]", [(6400, 32), (32,), (32,)],
         lambda x, g, b: torch.nn.functional.layer_norm(x, (32,), g, b, 1e-6), False),
        ("matmul batched [64,200,32]x[64,32,200]", [(64, 200, 32), (64, 32, 200)], torch.matmul, False),
        ("matmul batched [64,200,200]x[64,200,32]", [(64, 200, 200), (64, 200, 32)], torch.matmul, False),
        ("matmul [6400,32]x[32,64]", [(6400, 32), (32, 64)], torch.matmul, False),
    ]
    out = []
    for name, shapes, f, pos in cases:
        out.append((name, make_case(shapes, f, pos)))
    out.append(("gather [20000,32] by [32,200]", gather_case))
    return out


def make_case(shapes, f, pos):
    def build():
        xs = [torch.rand(*s) * 1.5 + 0.5 if pos else torch.randn(*s) for s in shapes]
        dy = torch.randn(f(*xs).shape)
        ws = [x.clone().requires_grad_() for x in xs]

        def fwd():
            with torch.no_grad():
                f(*xs)

        def bwd():
            for w in ws:
                w.grad = None
            f(*ws).backward(dy)

        return fwd, bwd

    return build


def gather_case():
    table = torch.randn(20000, 32)
    tw = table.clone().requires_grad_()
    idx = torch.randint(0, 20000, (32, 200))
    dy = torch.randn(32, 200, 32)

    def fwd():
        with torch.no_grad():
            F.embedding(idx, table)

    def bwd():
        tw.grad = None
        F.embedding(idx, tw).backward(dy)

    return fwd, bwd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--budget-ms", type=float, default=300)
    ap.add_argument("--only", default=None)
    ap.add_argument("--suite", action="store_true")
    ap.add_argument("--models", action="store_true")
    a = ap.parse_args()
    only = None if a.only is None else set(a.only.split(";" if ";" in a.only else ","))
    print(json.dumps({"torch": torch.__version__}), flush=True)
    for threads in [int(t) for t in a.threads.split(",")]:
        torch.set_num_threads(threads)
        if a.models:
            for name, make in MODELS.items():
                if only is not None and name not in only:
                    continue
                ms = time_it(make(), a.budget_ms * 2)
                print(json.dumps({"name": name, "kind": "model", "threads": threads, "ms": ms}), flush=True)
        if a.suite:
            for name, build in suite():
                if only is not None and name not in only:
                    continue
                fwd, bwd = build()
                for kind, fn in (("fwd", fwd), ("fwd+bwd", bwd)):
                    ms = time_it(fn, a.budget_ms, warmup_ms=a.budget_ms / 3, warmup_calls=SUITE_WARMUP_CALLS)
                    print(json.dumps({"name": name, "kind": kind, "threads": threads, "ms": ms}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
