"""A straightforward torch-autograd version of the ASE-NAS controller loss.

Not used at run time (the search imports only numpy): the tests check the hand-written numpy
backward against it, and ``benchmarks/search_speed.py`` times one autograd controller step
against the numpy one. Importing this module imports torch.
"""

from __future__ import annotations

import numpy as np
import torch

from asebench.search._controller import Controller

__all__ = ["reference_loss", "reference_grad"]


def _mlp(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None = None) -> torch.Tensor:
    return x @ w if b is None else x @ w + b


def reference_loss(ctrl: Controller, theta: torch.Tensor, centers: np.ndarray, z: np.ndarray,
                   adj: np.ndarray, chosen: np.ndarray, advantage: float,
                   entropy_weight: float) -> torch.Tensor:
    """``-advantage * log pi(chosen) - entropy_weight * entropy`` for ONE seed (no batch axis).

    Args:
        theta: ``(P,)`` parameters with ``requires_grad``.
        chosen: ``(1 + 2M,)`` decisions (node, then position, op, position, op, ...).
    """
    W = {name: theta[a:b].reshape(ctrl.shapes[name]) for name, (a, b) in ctrl.slices.items()}
    K, L, H = ctrl.K, ctrl.L, ctrl.H
    idx = torch.as_tensor(centers + ctrl.offsets)  # (K, L)
    zt = torch.as_tensor(z, dtype=theta.dtype)
    A = torch.as_tensor(adj, dtype=theta.dtype)
    h0 = torch.cat([W["emb"][idx].reshape(K, L * ctrl.de), zt[:, None]], dim=1)
    if ctrl.graph:
        nb = A + A.T
        deg = nb.sum(1).clamp(min=1.0)
        e = (h0[None, :, :] - h0[:, None, :]) * A[..., None]
        h = h0
        for layer in ("1", "2"):
            msg = torch.relu(h[:, None, :] @ W["P" + layer + "h"]
                             + e @ W["P" + layer + "o"]
                             + (e @ W["P" + layer + "i"]).transpose(0, 1)
                             + W["bP" + layer])
            n = (msg * nb[..., None]).sum(1) / deg[:, None]
            h_new = torch.relu(h @ W["Q" + layer + "a"] + n @ W["Q" + layer + "b"]
                               + W["bQ" + layer])
            if layer == "1":
                e = torch.relu(e @ W["W1e"] + (h_new @ W["W1a"])[:, None, :]
                               + (h_new @ W["W1b"])[None, :, :] + W["bW1"]) * A[..., None]
            h = h_new
        g = h
    else:
        g = torch.relu(torch.relu(h0 @ W["F1"] + W["bF1"]) @ W["F2"] + W["bF2"])
    hx = torch.zeros(H, dtype=theta.dtype)
    cx = torch.zeros(H, dtype=theta.dtype)
    x = g.mean(0)
    logp = torch.zeros((), dtype=theta.dtype)
    ent = torch.zeros((), dtype=theta.dtype)
    positions: list[int] = []
    beta = [int(c) for c in centers[int(chosen[0])]]
    mask = None if ctrl.op_mask is None else torch.as_tensor(ctrl.op_mask, dtype=theta.dtype)
    for t in range(ctrl.T):
        zz = torch.cat([x, hx]) @ W["Wl"] + W["bl"]
        i, f = torch.sigmoid(zz[:H]), torch.sigmoid(zz[H:2 * H])
        gg, o = torch.tanh(zz[2 * H:3 * H]), torch.sigmoid(zz[3 * H:])
        cx = f * cx + i * gg
        hx = o * torch.tanh(cx)
        k = int(chosen[t])
        if t == 0:
            logits = g @ (hx @ W["Ws"])
        elif t % 2:
            logits = hx @ W["Wp"] + W["bp"]
        else:
            logits = hx @ W["Wo"] + W["bo"]
        if ctrl.uniform:
            logits = torch.zeros_like(logits)
        elif ctrl.bounds is not None:
            logits = float(ctrl.bounds[t]) * torch.tanh(logits)
        if t and not t % 2:
            if mask is not None:
                logits = logits + mask[positions[-1]]
            if not ctrl.allow_noop:
                logits = logits.clone()
                logits[beta[positions[-1]]] = -1e9
                beta[positions[-1]] = k
        lsm = torch.log_softmax(logits, 0)
        p = lsm.exp()
        logp = logp + lsm[k]
        ent = ent - (p * torch.where(p > 0, lsm, torch.zeros_like(lsm))).sum()
        if t == 0:
            x = g[k]
        elif t % 2:
            positions.append(k)
            x = W["pos"][k]
        else:
            x = W["ops"][int(ctrl.offsets[positions[-1]]) + k]
    return -advantage * logp - entropy_weight * ent


def reference_grad(ctrl: Controller, theta: np.ndarray, centers: np.ndarray, z: np.ndarray,
                   adj: np.ndarray, chosen: np.ndarray, advantage: float,
                   entropy_weight: float) -> tuple[float, np.ndarray]:
    """(loss, gradient) of :func:`reference_loss` for one seed, as numpy."""
    t = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
    loss = reference_loss(ctrl, t, centers, z, adj, chosen, advantage, entropy_weight)
    loss.backward()
    assert t.grad is not None
    return float(loss.detach()), t.grad.numpy().copy()
