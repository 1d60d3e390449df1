"""The ASE-NAS controller in plain numpy: edge-aware GraphSAGE + LSTM + softmax heads.

Everything carries a leading batch axis B: row b is an independent seed with its own
parameters, graph and random numbers (no op mixes rows), so ``B`` seeds run as one model.
Parameters live in one flat ``(B, P)`` float64 array (named views into it), so Adam is a few
vector ops. The backward pass is written by hand; ``tests/test_search_controller.py`` checks
it against torch autograd (``_torch_reference.py``).

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
        dtype: float type of the parameters and every activation (float32 halves the memory
            traffic of large batches; float64 is what the gradient checks use).
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
        self._width = max(K, self.L, self.C)  # decisions padded to one width
        self._max_entropy_fixed = float(np.log(K) + M * np.log(self.L))
        nops = (self.op_mask == 0).sum(axis=1) if self.op_mask is not None else \
            np.asarray(self.sizes)
        nops = np.maximum(nops - (0 if allow_noop else 1), 1)
        self._log_nops = np.log(nops)

    # -- parameters ---------------------------------------------------------------------
    def views(self, flat: np.ndarray) -> _Params:
        """Named ``(B, *shape)`` views into a flat ``(B, P)`` array (cached per array: the
        parameters and gradients are updated in place, step after step)."""
        hit = self._views.get(id(flat))
        if hit is not None and hit[0] is flat:
            return hit[1]
        B = flat.shape[0]
        views = {name: flat[:, a:b].reshape((B,) + self.shapes[name])
                 for name, (a, b) in self.slices.items()}
        if len(self._views) >= 4:
            self._views.clear()
        self._views[id(flat)] = (flat, views)
        return views

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
        B, K, L, H = theta.shape[0], self.K, self.L, self.H
        rows = np.arange(B)
        onehot = (centers + self.offsets)[..., None] == np.arange(self.V)  # (B,K,L,V)
        dt = self.dtype
        onehot = onehot.reshape(B, K * L, self.V).astype(dt)
        z, adj = z.astype(dt, copy=False), adj.astype(dt, copy=False)
        h0 = np.concatenate(
            [(onehot @ W["emb"]).reshape(B, K, L * self.de), z[..., None]], axis=2)
        c: _Cache = {"W": W, "onehot": onehot, "h0": h0, "adj": adj}
        g = self._gnn(W, h0, adj, c) if self.graph else self._dense(W, h0, c)
        c["g"] = g

        T = self.T
        xh = np.empty((B, T, 2 * H), dtype=dt)
        gates = np.empty((B, T, 4 * H), dtype=dt)
        cells = np.empty((B, T + 1, H), dtype=dt)
        cells[:, 0] = 0.0
        tcs = np.empty((B, T, H), dtype=dt)
        hs = np.empty((B, T, H), dtype=dt)
        P = np.zeros((B, T, self._width), dtype=dt)  # decision probabilities, zero-padded
        chosen = np.empty((B, T), dtype=np.int64)
        x = g.mean(axis=1)
        h = np.zeros((B, H), dtype=dt)
        Wl, bl = W["Wl"], W["bl"]
        positions = np.empty((B, self.M), dtype=np.int64)
        beta = None if self.allow_noop else centers[rows, 0].copy()
        bounds = self.bounds
        TZ = np.zeros((B, T, self._width), dtype=dt) if bounds is not None else None
        for t in range(T):
            xh[:, t, :H] = x
            xh[:, t, H:] = h
            zt = (xh[:, t, None, :] @ Wl)[:, 0] + bl
            # sigmoid(x) = (1 + tanh(x / 2)) / 2, and tanh for the cell gate: one tanh call
            s = np.tanh(zt * self._gate_scale)
            s *= self._gate_scale
            s += self._gate_shift
            gates[:, t] = s
            cell = s[:, H:2 * H] * cells[:, t] + s[:, :H] * s[:, 2 * H:3 * H]
            cells[:, t + 1] = cell
            tc = np.tanh(cell)
            tcs[:, t] = tc
            h = s[:, 3 * H:] * tc
            hs[:, t] = h
            if t == 0:
                uvec = (h[:, None, :] @ W["Ws"])[:, 0]
                c["uvec"] = uvec
                logits = (g @ uvec[:, :, None])[:, :, 0]
            elif t % 2:
                logits = (h[:, None, :] @ W["Wp"])[:, 0] + W["bp"]
            else:
                logits = (h[:, None, :] @ W["Wo"])[:, 0] + W["bo"]
            if self.uniform:
                logits = np.zeros_like(logits)
            elif TZ is not None and bounds is not None:
                tz = np.tanh(logits)
                TZ[:, t, :tz.shape[1]] = tz
                logits = bounds[t] * tz
            if t and not t % 2:
                if self.op_mask is not None:
                    logits = logits + self.op_mask[positions[:, t // 2 - 1]]
                if beta is not None:  # no-op edits masked: the op must change
                    logits[rows, beta[rows, positions[:, t // 2 - 1]]] = _NEG
            e = np.exp(logits - logits.max(axis=1, keepdims=True))
            cdf = np.cumsum(e, axis=1)
            k = (cdf < u[:, t, None] * cdf[:, -1:]).sum(axis=1)
            np.minimum(k, logits.shape[1] - 1, out=k)
            P[:, t, :logits.shape[1]] = e / cdf[:, -1:]
            chosen[:, t] = k
            if t == 0:
                x = g[rows, k]
                if beta is not None:
                    beta = centers[rows, k].copy()
            elif t % 2:
                positions[:, t // 2] = k
                x = W["pos"][rows, k]
            else:
                if beta is not None:
                    beta[rows, positions[:, t // 2 - 1]] = k
                if t == T - 1:
                    break
                x = W["ops"][rows, self.offsets[positions[:, t // 2 - 1]] + k]
        logs = np.log(np.where(P > 0, P, 1.0))
        c.update(xh=xh, gates=gates, cells=cells, tcs=tcs, hs=hs, P=P, logs=logs,
                 entropies=-(P * logs).sum(axis=2), chosen=chosen, TZ=TZ, positions=positions)
        self.cache = c
        return chosen[:, 0].copy(), positions, chosen[:, 2::2].copy()

    def _gnn(self, W: _Params, h0: np.ndarray, adj: np.ndarray, c: _Cache) -> np.ndarray:
        B, K, H = h0.shape[0], self.K, self.H
        nb = adj + adj.swapaxes(1, 2)
        invdeg = 1.0 / np.maximum(nb.sum(axis=2), 1.0)
        e0 = (h0[:, None, :, :] - h0[:, :, None, :]) * adj[..., None]
        e0f = e0.reshape(B, K * K, -1)
        pre_m1 = self._message(W, "1", h0, e0f)
        m1 = np.maximum(pre_m1, 0.0)
        n1 = (m1 * nb[..., None]).sum(axis=2) * invdeg[..., None]
        h1 = np.maximum(h0 @ W["Q1a"] + n1 @ W["Q1b"] + W["bQ1"][:, None], 0.0)
        pre_e1 = ((e0f @ W["W1e"]).reshape(B, K, K, H) + (h1 @ W["W1a"])[:, :, None]
                  + (h1 @ W["W1b"])[:, None, :] + W["bW1"][:, None, None])
        e1 = np.maximum(pre_e1, 0.0) * adj[..., None]
        e1f = e1.reshape(B, K * K, H)
        pre_m2 = self._message(W, "2", h1, e1f)
        m2 = np.maximum(pre_m2, 0.0)
        n2 = (m2 * nb[..., None]).sum(axis=2) * invdeg[..., None]
        h2: np.ndarray = np.maximum(h1 @ W["Q2a"] + n2 @ W["Q2b"] + W["bQ2"][:, None], 0.0)
        c.update(nb=nb, invdeg=invdeg, e0f=e0f, pre_m1=pre_m1, n1=n1, h1=h1, pre_e1=pre_e1,
                 e1f=e1f, pre_m2=pre_m2, n2=n2)
        return h2

    def _message(self, W: _Params, layer: str, h: np.ndarray, ef: np.ndarray) -> np.ndarray:
        B, K, H = h.shape[0], self.K, self.H
        out = (ef @ W["P" + layer + "o"]).reshape(B, K, K, H)
        out += (ef @ W["P" + layer + "i"]).reshape(B, K, K, H).swapaxes(1, 2)
        out += (h @ W["P" + layer + "h"])[:, :, None] + W["bP" + layer][:, None, None]
        return out

    def _dense(self, W: _Params, h0: np.ndarray, c: _Cache) -> np.ndarray:
        h1 = np.maximum(h0 @ W["F1"] + W["bF1"][:, None], 0.0)
        c["h1"] = h1
        g: np.ndarray = np.maximum(h1 @ W["F2"] + W["bF2"][:, None], 0.0)
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
        ent = c["entropies"].sum(axis=1)
        top = self._max_entropy_fixed + self._log_nops[c["positions"]].sum(axis=1)
        fraction: np.ndarray = np.divide(ent, top, out=np.ones_like(ent), where=top > 0)
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
        d = advantage[:, None, None] * P + entropy_weight * P * (
            c["logs"] + c["entropies"][..., None])
        d[rows[:, None], np.arange(T), chosen] -= advantage[:, None]
        if self.bounds is not None:  # through z = c * tanh(r): dz/dr = c (1 - tanh^2)
            TZ = c["TZ"]
            d *= self.bounds[:, None] * (1.0 - TZ * TZ)
        hs, g = c["hs"], c["g"]
        dh_head = np.empty((B, T, H), dtype=dt)
        # subspace head: logits_k = g_k . (h_0 Ws)
        ds = d[:, 0, :K]
        du = (ds[:, None, :] @ g)[:, 0]
        dg = ds[:, :, None] * c["uvec"][:, None, :]
        G["Ws"][...] = hs[:, 0, :, None] * du[:, None, :]
        dh_head[:, 0] = (du[:, None, :] @ W["Ws"].swapaxes(1, 2))[:, 0]
        # position and op heads, all steps in one matmul each
        dpos = d[:, 1::2, :L]  # (B, M, L)
        dop = d[:, 2::2, :self.C]  # (B, M, C)
        G["Wp"][...] = hs[:, 1::2].swapaxes(1, 2) @ dpos
        G["bp"][...] = dpos.sum(axis=1)
        G["Wo"][...] = hs[:, 2::2].swapaxes(1, 2) @ dop
        G["bo"][...] = dop.sum(axis=1)
        dh_head[:, 1::2] = dpos @ W["Wp"].swapaxes(1, 2)
        dh_head[:, 2::2] = dop @ W["Wo"].swapaxes(1, 2)
        # LSTM, backward through time
        gates, cells, tcs = c["gates"], c["cells"], c["tcs"]
        WlT = W["Wl"].swapaxes(1, 2)
        dz = np.empty((B, T, 4 * H), dtype=dt)
        dxh = np.empty((B, T, 2 * H), dtype=dt)
        dh_next = np.zeros((B, H), dtype=dt)
        dc_next = np.zeros((B, H), dtype=dt)
        for t in range(T - 1, -1, -1):
            s, tc = gates[:, t], tcs[:, t]
            i, f, gg, o = s[:, :H], s[:, H:2 * H], s[:, 2 * H:3 * H], s[:, 3 * H:]
            dh = dh_head[:, t] + dh_next
            dc = dh * o * (1.0 - tc * tc) + dc_next
            dzt = dz[:, t]
            dzt[:, :H] = dc * gg * i * (1.0 - i)
            dzt[:, H:2 * H] = dc * cells[:, t] * f * (1.0 - f)
            dzt[:, 2 * H:3 * H] = dc * i * (1.0 - gg * gg)
            dzt[:, 3 * H:] = dh * tc * o * (1.0 - o)
            dc_next = dc * f
            dxh[:, t] = (dzt[:, None, :] @ WlT)[:, 0]
            dh_next = dxh[:, t, H:]
        G["Wl"][...] = c["xh"].swapaxes(1, 2) @ dz
        G["bl"][...] = dz.sum(axis=1)
        dx = dxh[:, :, :H]
        dg += dx[:, 0, None, :] / K
        dg[rows, chosen[:, 0]] += dx[:, 1]
        G["pos"][...] = 0.0
        G["ops"][...] = 0.0
        positions = chosen[:, 1::2]
        for j in range(M):
            G["pos"][rows, positions[:, j]] += dx[:, 2 + 2 * j]
            if j < M - 1:
                G["ops"][rows, self.offsets[positions[:, j]] + chosen[:, 2 + 2 * j]] += \
                    dx[:, 3 + 2 * j]
        dh0 = self._gnn_backward(W, G, dg, c) if self.graph else self._dense_backward(W, G, dg, c)
        dh0e = dh0[:, :, :L * self.de].reshape(B, K * L, self.de)
        G["emb"][...] = c["onehot"].swapaxes(1, 2) @ dh0e
        return grad

    def _dense_backward(self, W: _Params, G: _Params, dg: np.ndarray, c: _Cache) -> np.ndarray:
        h0, h1, g = c["h0"], c["h1"], c["g"]
        d2 = dg * (g > 0)
        G["F2"][...] = h1.swapaxes(1, 2) @ d2
        G["bF2"][...] = d2.sum(axis=1)
        d1 = (d2 @ W["F2"].swapaxes(1, 2)) * (h1 > 0)
        G["F1"][...] = h0.swapaxes(1, 2) @ d1
        G["bF1"][...] = d1.sum(axis=1)
        dh0: np.ndarray = d1 @ W["F1"].swapaxes(1, 2)
        return dh0

    def _message_backward(self, W: _Params, G: _Params, layer: str, h: np.ndarray, ef: np.ndarray,
                          pre: np.ndarray, dn: np.ndarray, c: _Cache
                          ) -> tuple[np.ndarray, np.ndarray]:
        """Backward of ``n = mean_j relu(message)``: returns (dh, d edges flat)."""
        B, K, H = h.shape[0], self.K, self.H
        dpre = (dn * c["invdeg"][..., None])[:, :, None, :] * c["nb"][..., None] * (pre > 0)
        dflat = dpre.reshape(B, K * K, H)
        dT = dpre.swapaxes(1, 2).reshape(B, K * K, H)
        dsum = dpre.sum(axis=2)
        efT = ef.swapaxes(1, 2)
        G["P" + layer + "o"][...] = efT @ dflat
        G["P" + layer + "i"][...] = efT @ dT
        G["P" + layer + "h"][...] = h.swapaxes(1, 2) @ dsum
        G["bP" + layer][...] = dsum.sum(axis=1)
        de = dflat @ W["P" + layer + "o"].swapaxes(1, 2) + dT @ W["P" + layer + "i"].swapaxes(1, 2)
        dh = dsum @ W["P" + layer + "h"].swapaxes(1, 2)
        return dh, de

    def _gnn_backward(self, W: _Params, G: _Params, dg: np.ndarray, c: _Cache) -> np.ndarray:
        B, K, H = dg.shape[0], self.K, self.H
        h0, h1, g, adj = c["h0"], c["h1"], c["g"], c["adj"]
        # layer 2 node update
        d2 = dg * (g > 0)
        G["Q2a"][...] = h1.swapaxes(1, 2) @ d2
        G["Q2b"][...] = c["n2"].swapaxes(1, 2) @ d2
        G["bQ2"][...] = d2.sum(axis=1)
        dh1 = d2 @ W["Q2a"].swapaxes(1, 2)
        dn2 = d2 @ W["Q2b"].swapaxes(1, 2)
        dh1m, de1f = self._message_backward(W, G, "2", h1, c["e1f"], c["pre_m2"], dn2, c)
        dh1 += dh1m
        # layer 1 edge update
        dpre_e1 = de1f.reshape(B, K, K, H) * adj[..., None] * (c["pre_e1"] > 0)
        dflat = dpre_e1.reshape(B, K * K, H)
        e0f = c["e0f"]
        G["W1e"][...] = e0f.swapaxes(1, 2) @ dflat
        dsum_j = dpre_e1.sum(axis=2)
        dsum_i = dpre_e1.sum(axis=1)
        G["W1a"][...] = h1.swapaxes(1, 2) @ dsum_j
        G["W1b"][...] = h1.swapaxes(1, 2) @ dsum_i
        G["bW1"][...] = dsum_j.sum(axis=1)
        de0f = dflat @ W["W1e"].swapaxes(1, 2)
        dh1 += dsum_j @ W["W1a"].swapaxes(1, 2) + dsum_i @ W["W1b"].swapaxes(1, 2)
        # layer 1 node update
        d1 = dh1 * (h1 > 0)
        G["Q1a"][...] = h0.swapaxes(1, 2) @ d1
        G["Q1b"][...] = c["n1"].swapaxes(1, 2) @ d1
        G["bQ1"][...] = d1.sum(axis=1)
        dh0: np.ndarray = d1 @ W["Q1a"].swapaxes(1, 2)
        dn1 = d1 @ W["Q1b"].swapaxes(1, 2)
        dh0m, de0m = self._message_backward(W, G, "1", h0, e0f, c["pre_m1"], dn1, c)
        dh0 += dh0m
        de0 = (de0f + de0m).reshape(B, K, K, -1) * adj[..., None]
        # e0_ij = h0_j - h0_i
        dh0 += de0.sum(axis=1) - de0.sum(axis=2)
        return dh0


class Adam:
    """Adam over flat ``(B, P)`` parameters (PyTorch's update rule, no weight decay)."""

    def __init__(self, shape: tuple[int, int], lr: float, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, dtype: type[np.floating[Any]] = np.float64) -> None:
        self.lr, (self.b1, self.b2), self.eps = lr, betas, eps
        self.m = np.zeros(shape, dtype=dtype)
        self.v = np.zeros(shape, dtype=dtype)
        self.t = 0

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        """Update ``theta`` in place (``grad`` is used as scratch space)."""
        self.t += 1
        b1, b2 = self.b1, self.b2
        m, v = self.m, self.v
        # m += (1-b1)(g - m); v += (1-b2)(g^2 - v): few passes, no large temporaries
        m *= b1
        m += (1.0 - b1) * grad
        np.multiply(grad, grad, out=grad)
        v *= b2
        grad *= 1.0 - b2
        v += grad
        np.sqrt(v, out=grad)
        grad *= float(1.0 / np.sqrt(1.0 - b2 ** self.t))
        grad += self.eps
        np.divide(m, grad, out=grad)
        grad *= self.lr / (1.0 - b1 ** self.t)
        theta -= grad

    def take(self, rows: np.ndarray) -> None:
        """Keep only ``rows`` (dropping finished seeds)."""
        self.m, self.v = self.m[rows], self.v[rows]
