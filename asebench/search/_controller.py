"""The ASE-NAS controller in plain numpy: edge-aware GraphSAGE + LSTM + softmax heads.

Everything carries a leading batch axis B: row b is an independent seed with its own
parameters, graph and random numbers (no op mixes rows), so ``B`` seeds run as one model.
Parameters live in one flat ``(B, P)`` array (named views into it), so Adam is a few vector
ops. The backward pass is written by hand; ``tests/test_search_ase.py`` checks it against
torch autograd (``_torch_reference.py``).

Model (paper Appendix, Eqs. 5-7; row-vector convention ``y = x @ W + b``):

* node input ``h0_i = [emb[(p, a_ip)] for p] ++ [z_i]`` (learnable per (position, choice)
  vectors, plus the z-scored center reward);
* edge input ``e0_ij = (h0_j - h0_i) A_ij`` (zero where there is no edge i -> j);
* two layers: ``m_ij = relu(h_i Ph + e_ij Po + e_ji Pi + bP)``,
  ``n_i = mean_{j in N(i)} m_ij``, ``h'_i = relu(h_i Qa + n_i Qb + bQ)``,
  ``e'_ij = relu(e_ij We + h'_i Wa + h'_j Wb + bW) A_ij`` (layer 2's edges feed nothing, so
  they are not computed); ``graph=False`` uses two dense layers per node instead;
* an LSTM makes ``1 + 2M`` decisions: input the mean node feature -> subspace logits
  ``g_k . (h Ws)``; input ``g_alpha`` -> position logits; input the position's vector -> op
  logits; input the (position, op) vector -> next position ...

The same trace on every machine. A decision is an inverse-CDF draw: choice k is taken when
``cdf[k-1] < u * total <= cdf[k]`` for the run's own uniform ``u``. The arithmetic before it
is not bit-reproducible across machines: OpenBLAS picks its matrix kernels by CPU (and
``OPENBLAS_CORETYPE``), each summing and fusing multiply-adds in its own order; numpy
dispatches exp, tanh and log to the widest SIMD target it finds; arm64 builds differ again.
So two machines compute every probability with a small difference ``d``, and a decision can
differ only when ``u`` falls within ``d`` of a boundary: probability about ``d`` per
boundary. ``d`` starts at the unit roundoff and grows as the run trains, roughly in
proportion to it while no decision has flipped. Measured on an AVX-512 Xeon against its
native OpenBLAS kernel, SkylakeX (40 CIFAR-100 seeds, float64): the largest difference of
any probability is ``3e-17`` at the first step and ``2e-10`` by step 178 under the Haswell
kernel; summed over every boundary of every decision of a run, the chance that the run
changes is ``3e-9`` on average under the Haswell kernel and ``1e-8`` with numpy's
AVX2/AVX-512 code off (``4e-7`` for the most sensitive of the 40 seeds), so a 1,500-run
study changes with a probability of about ``2e-5``. float32 starts at ``3e-8``, 2^29 times
coarser, and by step 100 some runs had already diverged: about one run in 20 changed between
the two kernels, one in 4 on numpy's baseline SIMD. Hence float64 by default
(``ASESearch(precision="float64")``); float32 stays an opt-in for speed that is not
machine-independent. ``scripts/cross_kernel_check.py`` tests exactly this.

For the same reason every rounding-level reformulation below (products taken on the nodes
instead of the edges, biases carried by the products, Adam's folded scalars) keeps each
seed's float64 trace: ``tests/test_search_ase.py`` holds the traces of 390 runs recorded
before them.

Speed: per step a single run is a few hundred numpy calls on tiny arrays, and a batch of 100
seeds streams 20 MB of parameters and as much of each Adam moment through memory. Hence: the
layer-1 products taken on the K nodes (``e0`` is linear in ``h0``), adjacent weights viewed
as one matrix (one product for ``P1h, P1o, P1i``), the biases riding in the products as a
column of ones, gradients written in place (``out=``), the LSTM's backward feeding back
through its recurrent half only, and Adam in cache-sized blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["Controller", "Adam"]

_Params = dict[str, np.ndarray]  # named views into the flat parameters (or gradients)
_Cache = dict[str, Any]  # what the forward pass keeps for backward

_NEG = -1e9  # logit of a choice a position does not have (exp() underflows to exactly 0)


class Controller:
    """Shapes, parameter layout, sampling forward pass and backward pass of the policy.

    Args:
        sizes: number of choices per position (L = len(sizes)).
        K: number of subspaces (graph nodes).
        M: number of (position, op) edits per step.
        hidden: width H of the GNN and LSTM.
        embed: width of one (position, choice) vector in the node input.
        graph: False replaces the GNN by two dense layers per node (ablation).
        allow_noop: False masks the op a position already has, so every edit changes the arch.
        tanh_constant: bound c of the subspace logits (``c * tanh``); None: unbounded logits.
        op_tanh_reduce: the position and op logits are bounded by
            ``tanh_constant / op_tanh_reduce``.
        uniform: every decision uniform (no learning; ablation).
        allowed: per position, the op codes an edit may choose (a sub-space restriction);
            None allows every choice.
        dtype: float type of the parameters and every activation: float64 (default) for the
            same decisions on every machine (see the module docstring); float32 halves the
            memory traffic but its decisions depend on the BLAS kernel and SIMD target.
    """

    def __init__(self, sizes: Sequence[int], K: int, M: int, hidden: int = 64,
                 embed: int = 16, graph: bool = True, allow_noop: bool = True,
                 tanh_constant: float | None = None, op_tanh_reduce: float = 1.0,
                 uniform: bool = False,
                 allowed: Sequence[Sequence[int]] | None = None,
                 dtype: type[np.floating[Any]] = np.float64) -> None:
        self.sizes = tuple(int(s) for s in sizes)
        self.L, self.K, self.M, self.H, self.de = len(self.sizes), K, M, hidden, embed
        self.graph = graph
        self.allow_noop = allow_noop
        self.uniform = uniform
        self.dtype = np.dtype(dtype)
        self.T = 1 + 2 * M
        # per-decision bound c_t of the logits (decision 0: the subspace)
        self.bounds: np.ndarray | None = None
        if tanh_constant is not None:
            self.bounds = np.full(self.T, tanh_constant / op_tanh_reduce, dtype=self.dtype)
            self.bounds[0] = tanh_constant
        self.C = max(self.sizes)
        self.V = sum(self.sizes)
        self.offsets = np.cumsum((0,) + self.sizes[:-1]).astype(np.int64)
        self.D0 = self.L * embed + 1
        mask = np.zeros((self.L, self.C), dtype=self.dtype)
        for p, s in enumerate(self.sizes):
            mask[p, s:] = _NEG
            if allowed is not None:
                banned = np.setdiff1d(np.arange(s), np.asarray(allowed[p], dtype=np.int64))
                mask[p, banned] = _NEG
        self.op_mask = mask if (mask != 0).any() else None
        self._gate_scale = np.full(4 * hidden, 0.5, dtype=self.dtype)
        self._gate_scale[2 * hidden:3 * hidden] = 1.0
        self._gate_shift = np.full(4 * hidden, 0.5, dtype=self.dtype)
        self._gate_shift[2 * hidden:3 * hidden] = 0.0
        H, D0, L, C, V = hidden, self.D0, self.L, self.C, self.V
        shapes: list[tuple[str, tuple[int, ...]]] = [("emb", (V, embed))]
        if graph:
            shapes += [("P1h", (D0, H)), ("P1o", (D0, H)), ("P1i", (D0, H)), ("bP1", (H,)),
                       ("Q1a", (D0, H)), ("Q1b", (H, H)), ("bQ1", (H,)),
                       ("W1e", (D0, H)), ("W1a", (H, H)), ("W1b", (H, H)), ("bW1", (H,)),
                       ("P2h", (H, H)), ("P2o", (H, H)), ("P2i", (H, H)), ("bP2", (H,)),
                       ("Q2a", (H, H)), ("Q2b", (H, H)), ("bQ2", (H,))]
        else:
            shapes += [("F1", (D0, H)), ("bF1", (H,)), ("F2", (H, H)), ("bF2", (H,))]
        shapes += [("Wl", (2 * H, 4 * H)), ("bl", (4 * H,)), ("Ws", (H, H)),
                   ("pos", (L, H)), ("Wp", (H, L)), ("bp", (L,)),
                   ("ops", (V, H)), ("Wo", (H, C)), ("bo", (C,))]
        self.shapes = dict(shapes)
        self.slices: dict[str, tuple[int, int]] = {}
        offset = 0
        for name, shape in shapes:
            n = int(np.prod(shape))
            self.slices[name] = (offset, offset + n)
            offset += n
        self.num_params = offset
        self._views: dict[int, tuple[np.ndarray, _Params]] = {}
        self._groups = self._group_layout()
        self._width = max(K, self.L, self.C)  # decisions padded to one width
        self._max_entropy_fixed = float(np.log(K) + M * np.log(self.L))
        nops = (self.op_mask == 0).sum(axis=1) if self.op_mask is not None else \
            np.asarray(self.sizes)
        nops = np.maximum(nops - (0 if allow_noop else 1), 1)
        self._log_nops = np.log(nops)

    # -- parameters ---------------------------------------------------------------------
    def views(self, flat: np.ndarray) -> _Params:
        """Named ``(B, *shape)`` views into a flat ``(B, P)`` array (cached per array: the
        parameters and gradients are updated in place, step after step).

        Besides each parameter, a few groups that lie next to each other in the layout are
        also viewed as one array, so that one matrix product serves the group:
        ``P1`` = (P1h, P1o, P1i) as ``(B, 3, D0, H)``, ``P2`` likewise ``(B, 3, H, H)``,
        ``W1ab`` = (W1a, W1b) as ``(B, 2, H, H)``, ``Q1`` = Q1a stacked on Q1b as
        ``(B, D0 + H, H)`` (the node update of ``[h | n]``) and ``Q2`` likewise.
        """
        hit = self._views.get(id(flat))
        if hit is not None and hit[0] is flat:
            return hit[1]
        B = flat.shape[0]
        views = {name: flat[:, a:b].reshape((B,) + self.shapes[name])
                 for name, (a, b) in self.slices.items()}
        for name, (first, last, shape) in self._groups.items():
            views[name] = flat[:, self.slices[first][0]:self.slices[last][1]].reshape(
                (B,) + shape)
        if len(self._views) >= 4:
            self._views.clear()
        self._views[id(flat)] = (flat, views)
        return views

    def _group_layout(self) -> dict[str, tuple[str, str, tuple[int, ...]]]:
        """The groups of :meth:`views`: (first member, last member, shape without B); each is
        checked to be one contiguous run of the flat layout."""
        H, D0 = self.H, self.D0
        groups: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {}
        if self.graph:
            groups = {"P1": (("P1h", "P1o", "P1i"), (3, D0, H)),
                      "P2": (("P2h", "P2o", "P2i"), (3, H, H)),
                      "W1ab": (("W1a", "W1b"), (2, H, H)),
                      "Q1": (("Q1a", "Q1b"), (D0 + H, H)),
                      "Q2": (("Q2a", "Q2b"), (2 * H, H))}
        groups.update({"Wlb": (("Wl", "bl"), (2 * H + 1, 4 * H)),
                       "Wpb": (("Wp", "bp"), (H + 1, self.L)),
                       "Wob": (("Wo", "bo"), (H + 1, self.C))})
        out: dict[str, tuple[str, str, tuple[int, ...]]] = {}
        for name, (members, shape) in groups.items():
            for left, right in zip(members, members[1:]):
                assert self.slices[left][1] == self.slices[right][0], (left, right)
            out[name] = (members[0], members[-1], shape)
        return out

    def init_params(self, rng: np.random.Generator, scale: float = 0.1) -> np.ndarray:
        """One seed's parameters, uniform in ``[-scale, scale]`` (ENAS-style), shape ``(P,)``."""
        return rng.uniform(-scale, scale, self.num_params).astype(self.dtype, copy=False)

    # -- forward ------------------------------------------------------------------------
    def sample(self, theta: np.ndarray, centers: np.ndarray, z: np.ndarray, adj: np.ndarray,
               u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sample one step's decisions by inverse CDF and keep what backward needs.

        Args:
            theta: ``(B, P)`` parameters.
            centers: ``(B, K, L)`` int center archs.
            z: ``(B, K)`` reward feature; adj: ``(B, K, K)`` adjacency (see ``_graph``).
            u: ``(B, 1 + 2M)`` uniforms in [0, 1), one per decision.

        Returns:
            ``(node (B,), positions (B, M), ops (B, M))``.
        """
        W = self.views(theta)
        B, K, L, H, T = theta.shape[0], self.K, self.L, self.H, self.T
        dt = self.dtype
        rows = np.arange(B)
        # node input: the (position, choice) vectors of each center (a gather, not a one-hot
        # product), then the reward feature
        idx = (centers + self.offsets).reshape(B, K * L)
        h0 = np.empty((B, K, self.D0), dtype=dt)
        h0[:, :, :L * self.de] = W["emb"][rows[:, None], idx].reshape(B, K, L * self.de)
        h0[:, :, -1] = z
        adj = adj.astype(dt, copy=False)
        c: _Cache = {"W": W, "idx": idx, "h0": h0, "adj": adj}
        g = self._gnn(W, h0, adj, c) if self.graph else self._dense(W, h0, c)
        c["g"] = g

        # row t of xh is [x_t | h_{t-1} | 1]: the LSTM's input at step t times [Wl; bl], and
        # its [h_{t-1} | 1] is the head input of step t - 1 times [Wp; bp] or [Wo; bo]
        xh = np.empty((B, T + 1, 2 * H + 1), dtype=dt)
        xh[:, :, 2 * H] = 1.0
        xh[:, 0, H:2 * H] = 0.0
        np.add.reduce(g, axis=1, out=xh[:, 0, :H])
        xh[:, 0, :H] /= K
        gates = np.empty((B, T, 4 * H), dtype=dt)
        cells = np.empty((B, T + 1, H), dtype=dt)
        cells[:, 0] = 0.0
        tcs = np.empty((B, T, H), dtype=dt)
        E = np.zeros((B, T, self._width), dtype=dt)  # exp(logits), zero-padded
        chosen = np.empty((B, T), dtype=np.int64)
        scale, shift = self._gate_scale, self._gate_shift
        # the gates' inputs are z * scale (scale 0.5 or 1: exact), so [Wl; bl] is scaled once
        Wlb = W["Wlb"] * scale
        Wpb, Wob = W["Wpb"], W["Wob"]
        positions = np.empty((B, self.M), dtype=np.int64)
        beta = None if self.allow_noop else centers[rows, 0].copy()
        bounds = self.bounds
        TZ = np.zeros((B, T, self._width), dtype=dt) if bounds is not None else None
        for t in range(T):
            # sigmoid(x) = (1 + tanh(x / 2)) / 2, and tanh for the cell gate: one tanh call
            np.matmul(xh[:, t, None, :], Wlb, out=gates[:, t, None])
            s = gates[:, t]
            np.tanh(s, out=s)
            s *= scale
            s += shift
            cell = cells[:, t + 1]
            np.multiply(s[:, H:2 * H], cells[:, t], out=cell)
            cell += s[:, :H] * s[:, 2 * H:3 * H]
            tc = tcs[:, t]
            np.tanh(cell, out=tc)
            hb = xh[:, t + 1, None, H:]  # [h_t | 1]
            np.multiply(s[:, 3 * H:], tc, out=hb[:, 0, :H])
            if t == 0:
                uvec = (hb[:, :, :H] @ W["Ws"])[:, 0]
                c["uvec"] = uvec
                logits = (g @ uvec[:, :, None])[:, :, 0]
            else:
                logits = (hb @ (Wpb if t % 2 else Wob))[:, 0]
            n = logits.shape[1]
            if self.uniform:
                logits = np.zeros_like(logits)
            elif TZ is not None and bounds is not None:
                tz = TZ[:, t, :n]
                np.tanh(logits, out=tz)
                logits = bounds[t] * tz
            if t and not t % 2:
                if self.op_mask is not None:
                    logits += self.op_mask[positions[:, t // 2 - 1]]
                if beta is not None:  # no-op edits masked: the op must change
                    logits[rows, beta[rows, positions[:, t // 2 - 1]]] = _NEG
            if bounds is None or self.uniform:
                logits -= np.maximum.reduce(logits, axis=1, keepdims=True)
            # bounded logits (|logit| <= c) need no shift: exp cannot overflow, and a masked
            # choice's exp(-1e9) is exactly 0 either way
            e = E[:, t, :n]
            np.exp(logits, out=e)
            cdf = np.add.accumulate(e, axis=1)
            # k = the number of cdf entries below u * total: at most n - 1, since u < 1
            k = chosen[:, t]
            np.add.reduce(cdf < u[:, t, None] * cdf[:, -1:], axis=1, out=k)
            if t == T - 1:
                break
            x = xh[:, t + 1, :H]
            if t == 0:
                x[...] = g[rows, k]
                if beta is not None:
                    beta = centers[rows, k].copy()
            elif t % 2:
                positions[:, t // 2] = k
                x[...] = W["pos"][rows, k]
            else:
                if beta is not None:
                    beta[rows, positions[:, t // 2 - 1]] = k
                x[...] = W["ops"][rows, self.offsets[positions[:, t // 2 - 1]] + k]
        P = E / np.add.reduce(E, axis=2, keepdims=True)  # probabilities, zero in the padding
        logs = np.log(np.where(P > 0, P, 1.0))
        c.update(xh=xh, gates=gates, cells=cells, tcs=tcs, P=P, logs=logs,
                 entropies=-np.add.reduce(P * logs, axis=2), chosen=chosen, TZ=TZ,
                 positions=positions)
        self.cache = c
        return chosen[:, 0].copy(), positions, chosen[:, 2::2].copy()

    def _gnn(self, W: _Params, h0: np.ndarray, adj: np.ndarray, c: _Cache) -> np.ndarray:
        """Two GraphSAGE layers. The layer-1 edge input ``e0_ij = (h0_j - h0_i) A_ij`` is
        linear in h0, so each of its products ``e0_ij X = A_ij (h0_j X - h0_i X)`` is taken
        on the K nodes instead of the K^2 pairs."""
        B, K, H = h0.shape[0], self.K, self.H
        adjT = adj.swapaxes(1, 2)
        nb = adj + adjT
        w = nb / np.maximum(nb.sum(axis=2, keepdims=True), 1.0)  # mean over neighbours
        # layer 1 messages: h0 Ph, h0 Po, h0 Pi in one product
        hp = h0[:, None] @ W["P1"]  # (B, 3, K, H)
        pre_m1 = (hp[:, 1, None, :, :] - hp[:, 1, :, None, :]) * adj[..., None]
        pre_m1 += (hp[:, 2, :, None, :] - hp[:, 2, None, :, :]) * adjT[..., None]
        hp[:, 0] += W["bP1"][:, None]
        pre_m1 += hp[:, 0, :, None, :]
        xn1 = np.empty((B, K, self.D0 + H), dtype=h0.dtype)  # [h0 | n1]
        xn1[:, :, :self.D0] = h0
        np.sum(np.maximum(pre_m1, 0.0) * w[..., None], axis=2, out=xn1[:, :, self.D0:])
        h1 = xn1 @ W["Q1"]
        h1 += W["bQ1"][:, None]
        np.maximum(h1, 0.0, out=h1)
        # layer 1 edges: e1_ij = relu(e0_ij W1e + h1_i W1a + h1_j W1b + bW1) A_ij
        hw = h0 @ W["W1e"]
        ab = h1[:, None] @ W["W1ab"]  # (B, 2, K, H)
        pre_e1 = (hw[:, None, :, :] - hw[:, :, None, :]) * adj[..., None]
        ab[:, 0] += W["bW1"][:, None]
        pre_e1 += ab[:, 0, :, None, :]
        pre_e1 += ab[:, 1, None, :, :]
        e1 = np.maximum(pre_e1, 0.0)
        e1 *= adj[..., None]
        e1f = e1.reshape(B, K * K, H)
        # layer 2 messages: e1_ij P2o + e1_ji P2i + h1_i P2h + bP2
        oi = e1f[:, None] @ W["P2"][:, 1:]  # (B, 2, K*K, H)
        pre_m2 = oi[:, 0].reshape(B, K, K, H) + oi[:, 1].reshape(B, K, K, H).swapaxes(1, 2)
        hh = h1 @ W["P2h"]
        hh += W["bP2"][:, None]
        pre_m2 += hh[:, :, None, :]
        xn2 = np.empty((B, K, 2 * H), dtype=h0.dtype)  # [h1 | n2]
        xn2[:, :, :H] = h1
        np.sum(np.maximum(pre_m2, 0.0) * w[..., None], axis=2, out=xn2[:, :, H:])
        h2: np.ndarray = xn2 @ W["Q2"]
        h2 += W["bQ2"][:, None]
        np.maximum(h2, 0.0, out=h2)
        c.update(adjT=adjT, w=w, pre_m1=pre_m1, xn1=xn1, h1=h1, pre_e1=pre_e1, e1f=e1f,
                 pre_m2=pre_m2, xn2=xn2)
        return h2

    def _dense(self, W: _Params, h0: np.ndarray, c: _Cache) -> np.ndarray:
        h1 = h0 @ W["F1"]
        h1 += W["bF1"][:, None]
        np.maximum(h1, 0.0, out=h1)
        c["h1"] = h1
        g: np.ndarray = h1 @ W["F2"]
        g += W["bF2"][:, None]
        np.maximum(g, 0.0, out=g)
        return g

    def log_prob_entropy(self) -> tuple[np.ndarray, np.ndarray]:
        """Joint log-probability and summed entropy of the last sampled decisions, ``(B,)``."""
        c = self.cache
        logp = np.take_along_axis(c["logs"], c["chosen"][..., None], axis=2)[..., 0]
        return logp.sum(axis=1), c["entropies"].sum(axis=1)

    def entropy_fraction(self) -> np.ndarray:
        """Summed entropy of the last sampled step's decision distributions over its maximum
        (the sum of ``log(number of valid choices)``), ``(B,)``; 1 for a uniform policy."""
        c = self.cache
        ent = np.add.reduce(c["entropies"], axis=1)
        top = self._max_entropy_fixed + np.add.reduce(self._log_nops[c["positions"]], axis=1)
        if top.min() > 0:  # always, unless the space leaves a single choice everywhere
            fraction: np.ndarray = ent / top
            return fraction
        fraction = np.divide(ent, top, out=np.ones_like(ent), where=top > 0)
        return fraction

    # -- backward -----------------------------------------------------------------------
    def backward(self, advantage: np.ndarray, entropy_weight: float,
                 grad: np.ndarray) -> np.ndarray:
        """Gradient of ``-advantage * log pi(decisions) - entropy_weight * entropy`` for the
        last sampled step, written into ``grad`` ``(B, P)`` (overwritten) and returned."""
        if self.uniform:  # the logits do not depend on the parameters
            grad[...] = 0.0
            return grad
        c = self.cache
        W = c["W"]
        G = self.views(grad)
        B, K, L, H, T, M = grad.shape[0], self.K, self.L, self.H, self.T, self.M
        rows = np.arange(B)
        chosen = c["chosen"]
        dt = self.dtype
        advantage = advantage.astype(dt, copy=False)
        # d loss / d logits of every decision at once (zero in the padding, where P = 0)
        P = c["P"]
        d = c["logs"] + c["entropies"][..., None]
        d *= entropy_weight
        d += advantage[:, None, None]
        d *= P
        d[rows[:, None], np.arange(T), chosen] -= advantage[:, None]
        if self.bounds is not None:  # through z = c * tanh(r): dz/dr = c (1 - tanh^2)
            TZ = c["TZ"]
            d *= self.bounds[:, None] * (1.0 - TZ * TZ)
        xh, g = c["xh"], c["g"]
        hs = xh[:, 1:, H:2 * H]  # h_t of every step
        dh_head = np.empty((B, T, H), dtype=dt)
        # subspace head: logits_k = g_k . (h_0 Ws)
        ds = d[:, 0, :K]
        du = (ds[:, None, :] @ g)[:, 0]
        dg = ds[:, :, None] * c["uvec"][:, None, :]
        np.multiply(hs[:, 0, :, None], du[:, None, :], out=G["Ws"])
        np.matmul(du[:, None, :], W["Ws"].swapaxes(1, 2), out=dh_head[:, :1])
        # position and op heads, all steps in one matmul each ([h | 1]: weights and bias)
        dpos = d[:, 1::2, :L]  # (B, M, L)
        dop = d[:, 2::2, :self.C]  # (B, M, C)
        np.matmul(xh[:, 2::2, H:].swapaxes(1, 2), dpos, out=G["Wpb"])
        np.matmul(xh[:, 3::2, H:].swapaxes(1, 2), dop, out=G["Wob"])
        np.matmul(dpos, W["Wp"].swapaxes(1, 2), out=dh_head[:, 1::2])
        np.matmul(dop, W["Wo"].swapaxes(1, 2), out=dh_head[:, 2::2])
        # LSTM, backward through time. The gates' local derivatives of every step at once:
        # dz_i = dc g i (1 - i), dz_f = dc c_prev f (1 - f), dz_g = dc i (1 - g^2),
        # dz_o = dh tanh(c) o (1 - o), and dc gets dh o (1 - tanh(c)^2)
        gates, cells, tcs = c["gates"], c["cells"], c["tcs"]
        i, f = gates[:, :, :H], gates[:, :, H:2 * H]
        gg, o = gates[:, :, 2 * H:3 * H], gates[:, :, 3 * H:]
        local = np.empty((B, T, 3, H), dtype=dt)  # the factors of dc for z_i, z_f, z_g
        np.multiply(gg * i, 1.0 - i, out=local[:, :, 0])
        np.multiply(cells[:, :T] * f, 1.0 - f, out=local[:, :, 1])
        np.multiply(i, 1.0 - gg * gg, out=local[:, :, 2])
        do = tcs * o * (1.0 - o)  # the factor of dh for z_o
        dco = o * (1.0 - tcs * tcs)  # the factor of dh for dc
        WlhT = W["Wl"][:, H:].swapaxes(1, 2)  # the recurrent half: only it feeds dh back
        dz = np.empty((B, T, 4 * H), dtype=dt)
        dz3 = dz[:, :, :3 * H].reshape(B, T, 3, H)
        dh_next = np.zeros((B, 1, H), dtype=dt)
        dc = np.zeros((B, H), dtype=dt)
        for t in range(T - 1, -1, -1):
            dh = dh_head[:, t] + dh_next[:, 0]
            if t + 1 < T:
                dc *= f[:, t + 1]
            dc += dh * dco[:, t]
            np.multiply(local[:, t], dc[:, None, :], out=dz3[:, t])
            np.multiply(dh, do[:, t], out=dz[:, t, 3 * H:])
            if t:
                np.matmul(dz[:, t, None, :], WlhT, out=dh_next)
        np.matmul(xh[:, :T].swapaxes(1, 2), dz, out=G["Wlb"])
        dx = dz @ W["Wl"][:, :H].swapaxes(1, 2)  # (B, T, H): the input half, all steps
        dg += dx[:, 0, None, :] / K
        dg[rows, chosen[:, 0]] += dx[:, 1]
        G["pos"][...] = 0.0
        G["ops"][...] = 0.0
        positions = chosen[:, 1::2]
        np.add.at(G["pos"], (rows[:, None], positions), dx[:, 2::2])
        if M > 1:
            np.add.at(G["ops"], (rows[:, None], self.offsets[positions[:, :-1]]
                                 + chosen[:, 2:-1:2]), dx[:, 3::2])
        dh0 = self._gnn_backward(W, G, dg, c) if self.graph else self._dense_backward(W, G, dg, c)
        G["emb"][...] = 0.0
        np.add.at(G["emb"], (rows[:, None], c["idx"]),
                  dh0[:, :, :L * self.de].reshape(B, K * L, self.de))
        return grad

    def _dense_backward(self, W: _Params, G: _Params, dg: np.ndarray, c: _Cache) -> np.ndarray:
        h0, h1, g = c["h0"], c["h1"], c["g"]
        d2 = dg * (g > 0)
        np.matmul(h1.swapaxes(1, 2), d2, out=G["F2"])
        np.sum(d2, axis=1, out=G["bF2"])
        d1 = d2 @ W["F2"].swapaxes(1, 2)
        d1 *= h1 > 0
        np.matmul(h0.swapaxes(1, 2), d1, out=G["F1"])
        np.sum(d1, axis=1, out=G["bF1"])
        dh0: np.ndarray = d1 @ W["F1"].swapaxes(1, 2)
        return dh0

    def _gnn_backward(self, W: _Params, G: _Params, dg: np.ndarray, c: _Cache) -> np.ndarray:
        B, K, H, D0 = dg.shape[0], self.K, self.H, self.D0
        h0, h1, g, adj, adjT, w = c["h0"], c["h1"], c["g"], c["adj"], c["adjT"], c["w"]
        dt = dg.dtype
        # layer 2 node update: h2 = relu([h1 | n2] Q2 + bQ2)
        d2 = dg * (g > 0)
        np.matmul(c["xn2"].swapaxes(1, 2), d2, out=G["Q2"])
        np.sum(d2, axis=1, out=G["bQ2"])
        dxn2 = d2 @ W["Q2"].swapaxes(1, 2)
        dh1 = dxn2[:, :, :H].copy()
        # layer 2 messages (n2_i = sum_j w_ij relu(pre_ij))
        dpre = dxn2[:, :, None, H:] * w[..., None]
        dpre *= c["pre_m2"] > 0
        dsum = dpre.sum(axis=2)
        np.matmul(h1.swapaxes(1, 2), dsum, out=G["P2h"])
        np.sum(dsum, axis=1, out=G["bP2"])
        dh1 += dsum @ W["P2h"].swapaxes(1, 2)
        both = np.empty((B, 2, K, K, H), dtype=dt)  # d pre for e1_ij P2o and for e1_ji P2i
        both[:, 0] = dpre
        both[:, 1] = dpre.swapaxes(1, 2)
        flat = both.reshape(B, 2, K * K, H)
        np.matmul(c["e1f"].swapaxes(1, 2)[:, None], flat, out=G["P2"][:, 1:])
        de1 = (flat @ W["P2"][:, 1:].swapaxes(2, 3)).sum(axis=1).reshape(B, K, K, H)
        # layer 1 edges: pre_e1_ij = A_ij (hw_j - hw_i) + h1_i W1a + h1_j W1b + bW1
        de1 *= adj[..., None]
        de1 *= c["pre_e1"] > 0
        dab = np.empty((B, 2, K, H), dtype=dt)
        np.sum(de1, axis=2, out=dab[:, 0])
        np.sum(de1, axis=1, out=dab[:, 1])
        np.matmul(h1.swapaxes(1, 2)[:, None], dab, out=G["W1ab"])
        np.sum(dab[:, 0], axis=1, out=G["bW1"])
        dh1 += (dab @ W["W1ab"].swapaxes(2, 3)).sum(axis=1)
        dhw = dab[:, 1] - dab[:, 0]
        np.matmul(h0.swapaxes(1, 2), dhw, out=G["W1e"])
        dh0: np.ndarray = dhw @ W["W1e"].swapaxes(1, 2)
        # layer 1 node update: h1 = relu([h0 | n1] Q1 + bQ1)
        dh1 *= h1 > 0
        np.matmul(c["xn1"].swapaxes(1, 2), dh1, out=G["Q1"])
        np.sum(dh1, axis=1, out=G["bQ1"])
        dxn1 = dh1 @ W["Q1"].swapaxes(1, 2)
        dh0 += dxn1[:, :, :D0]
        # layer 1 messages: pre_ij = h0_i Ph + A_ij (h0_j - h0_i) Po + A_ji (h0_i - h0_j) Pi
        dpre = dxn1[:, :, None, D0:] * w[..., None]
        dpre *= c["pre_m1"] > 0
        dhp = np.empty((B, 3, K, H), dtype=dt)  # d (h0 Ph), d (h0 Po), d (h0 Pi)
        np.sum(dpre, axis=2, out=dhp[:, 0])
        da = dpre * adj[..., None]
        np.subtract(da.sum(axis=1), da.sum(axis=2), out=dhp[:, 1])
        da = dpre * adjT[..., None]
        np.subtract(da.sum(axis=2), da.sum(axis=1), out=dhp[:, 2])
        np.matmul(h0.swapaxes(1, 2)[:, None], dhp, out=G["P1"])
        np.sum(dhp[:, 0], axis=1, out=G["bP1"])
        dh0 += (dhp @ W["P1"].swapaxes(2, 3)).sum(axis=1)
        return dh0


class Adam:
    """Adam over flat ``(B, P)`` parameters: PyTorch's update rule (no weight decay).

    The moments are kept unnormalised, ``m' = m / (1 - b1)`` and ``v' = v / (1 - b2)``, so a
    step is ``m' = b1 m' + g``, ``v' = b2 v' + g^2`` and ``theta -= m' / (a sqrt(v') + e)`` with
    the bias corrections, learning rate and eps folded into the scalars ``a`` and ``e``: the
    same update as PyTorch's up to rounding, in 8 elementwise passes plus one sqrt and one
    division (PyTorch's form takes 12). The passes run one block of rows at a time, so that the
    five arrays of a block stay in the CPU cache instead of streaming through memory once per
    pass (for 100 seeds the arrays are 20 MB each). Every operation is a correctly rounded
    IEEE one, so the result does not depend on numpy's SIMD target.
    """

    _BLOCK = 1 << 15  # elements per block: 5 float64 arrays of it fit a 2 MB L2 cache

    def __init__(self, shape: tuple[int, int], lr: float, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, dtype: type[np.floating[Any]] = np.float64) -> None:
        self.lr, (self.b1, self.b2), self.eps = lr, betas, eps
        self.m = np.zeros(shape, dtype=dtype)  # m / (1 - b1)
        self.v = np.zeros(shape, dtype=dtype)  # v / (1 - b2)
        self.t = 0

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        """Update ``theta`` in place (``grad`` is left as it is)."""
        self.t += 1
        b1, b2, t = self.b1, self.b2, self.t
        # lr m_hat / (sqrt(v_hat) + eps) = m' / (a sqrt(v') + e) with
        # s = lr (1 - b1) / (1 - b1^t), a = sqrt((1 - b2) / (1 - b2^t)) / s, e = eps / s
        s = self.lr * (1.0 - b1) / (1.0 - b1 ** t)
        a = float(np.sqrt((1.0 - b2) / (1.0 - b2 ** t))) / s
        e = self.eps / s
        n, width = theta.shape
        per = max(1, self._BLOCK // max(width, 1))
        m, v = self.m, self.v
        scratch = np.empty((per, width), dtype=theta.dtype)  # cache-resident; grad only read
        sqrt, divide, multiply = np.sqrt, np.divide, np.multiply
        for start in range(0, n, per):
            rs = slice(start, min(start + per, n))
            g, mb, vb = grad[rs], m[rs], v[rs]
            tmp = scratch[:len(g)]
            mb *= b1
            mb += g
            multiply(g, g, out=tmp)
            vb *= b2
            vb += tmp
            sqrt(vb, out=tmp)
            tmp *= a
            tmp += e
            divide(mb, tmp, out=tmp)
            theta[rs] -= tmp

    def take(self, rows: np.ndarray) -> None:
        """Keep only ``rows`` (dropping finished seeds)."""
        self.m, self.v = self.m[rows], self.v[rows]
