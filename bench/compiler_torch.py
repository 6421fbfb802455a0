"""PyTorch twin of bench/compiler.ts's Jacobian cases, run by it as a subprocess.

Prints one JSON line per case: {"name", "threads", "ms"} (best of --reps calls after a
warm-up), for each thread count in --threads. The networks are the same as the TypeScript
side's (256 -> 256 two-layer tanh MLP, weights N(0, 1/16^2), zero biases):
  jacobian: torch.autograd.functional.jacobian(f, x, vectorize=True)
  batchJacobian: the best of functorch.vmap(functorch.jacrev(g)) (when functorch imports)
    and the jacobian (vectorize=True) of the sum over the batch of g(xb), [256, 16, 256].
"""
import argparse
import json
import time

import torch


def best(fn, reps):
    for _ in range(3):
        fn()
    b = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        b = min(b, (time.perf_counter() - t0) * 1e3)
    return b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--reps", type=int, default=30)
    args = ap.parse_args()
    torch.manual_seed(0)
    n = 256
    W1 = torch.randn(n, n) / 16
    W2 = torch.randn(n, n) / 16
    b1 = torch.zeros(n)
    b2 = torch.zeros(n)
    x = torch.randn(n)
    xb = torch.randn(16, n)

    def f(v):
        return torch.tanh(W2 @ torch.tanh(W1 @ v + b1) + b2)

    def g(v):
        return torch.tanh(torch.tanh(v @ W1 + b1) @ W2 + b2)

    def jac():
        torch.autograd.functional.jacobian(f, x, vectorize=True)

    def bjac_sum():
        # d(sum_b g(xb)[b, i]) / d xb[b, j]: [256, 16, 256], moved to [16, 256, 256].
        torch.autograd.functional.jacobian(
            lambda v: g(v).sum(0), xb, vectorize=True
        ).permute(1, 0, 2)

    cases = [("jacobian", jac), ("batchJacobian (sum over batch)", bjac_sum)]
    try:
        import functorch

        vj = functorch.vmap(functorch.jacrev(lambda v: g(v.unsqueeze(0)).squeeze(0)))
        cases.append(("batchJacobian (functorch vmap(jacrev))", lambda: vj(xb)))
    except Exception as e:  # noqa: BLE001 - any import or transform failure: case absent
        print(json.dumps({"note": f"functorch: {e}"}), flush=True)

    # Check the two batch jacobians agree before timing them.
    ref = torch.autograd.functional.jacobian(
        lambda v: g(v).sum(0), xb, vectorize=True
    ).permute(1, 0, 2)
    if len(cases) == 3:
        assert torch.allclose(vj(xb), ref, atol=1e-5)

    for t in [int(s) for s in args.threads.split(",")]:
        torch.set_num_threads(t)
        for name, fn in cases:
            print(json.dumps({"name": name, "threads": t, "ms": best(fn, args.reps)}), flush=True)


if __name__ == "__main__":
    main()
