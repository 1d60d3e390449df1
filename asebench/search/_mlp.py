"""An ensemble of small ReLU regressors in numpy float64: BANANAS' meta neural network.

Each member is a fully connected network ``in -> width (ReLU) x layers -> 1`` with Keras'
``Dense`` defaults (Glorot-uniform weights, zero biases), trained on the mean absolute error
by Adam in minibatches reshuffled every epoch, as the published predictor is. Members are
independent (their own initial weights and their own shuffles, all drawn from the caller's
generator) but are stepped together: a layer of every member is one batched matmul
``(E, n, a + 1) @ (E, a + 1, b)`` whose last weight row is the bias (the activations carry a
column of ones), so one step costs the same few dozen numpy calls for any ensemble size.

Adam is TensorFlow's form (what ``tf.keras.optimizers.Adam`` runs): ``lr_t = lr *
sqrt(1 - beta2^t) / (1 - beta1^t)`` and ``w -= lr_t * m / (sqrt(v) + eps)``, with the
moments kept unnormalised (``m' = m / (1 - beta1)``, ``v' = v / (1 - beta2)``) so that an
update is ten array operations; mathematically the same update.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["MLPConfig", "MLPEnsemble"]


@dataclass(frozen=True)
class MLPConfig:
    """Architecture and training of every member (defaults: the published ``standard``).

    Attributes:
        layers: hidden layers.
        width: units per hidden layer.
        epochs: passes over the training data per fit.
        batch_size: minibatch size (the last batch of an epoch holds the remainder).
        lr: Adam's learning rate.
        beta1, beta2, eps: Adam's moment decays and epsilon (the published code sets
            ``beta_2 = 0.99``; ``eps`` is tf.keras' default).
    """

    layers: int = 10
    width: int = 20
    epochs: int = 150
    batch_size: int = 32
    lr: float = 0.01
    beta1: float = 0.9
    beta2: float = 0.99
    eps: float = 1e-7


class _Buffers:
    """Activations and gradients of one minibatch size, allocated once per fit."""

    def __init__(self, members: int, rows: int, width: int, layers: int) -> None:
        self.acts = []
        for _ in range(layers):
            a = np.empty((members, rows, width + 1))
            a[:, :, width] = 1.0
            self.acts.append(a)
        self.relu = [a[:, :, :width] for a in self.acts]
        # pre-activations apart: a matmul writes faster into a contiguous buffer than into
        # the strided view, and the ReLU masks are read faster from it
        self.pre = [np.empty((members, rows, width)) for _ in range(layers)]
        self.out = np.empty((members, rows, 1))
        self.delta_out = np.empty((members, rows, 1))
        # two, used in turn: a matmul never writes over its own input
        self.deltas = (np.empty((members, rows, width)), np.empty((members, rows, width)))
        self.active = np.empty((members, rows, width), dtype=bool)


class MLPEnsemble:
    """``members`` independent regressors of ``in_dim`` features, initialised from ``rng``.

    Args:
        members: ensemble size E.
        in_dim: number of input features.
        config: architecture and training.
        rng: the run's generator (initial weights).
    """

    def __init__(self, members: int, in_dim: int, config: MLPConfig,
                 rng: np.random.Generator) -> None:
        self.members, self.in_dim, self.config = members, in_dim, config
        dims = [in_dim] + [config.width] * config.layers + [1]
        self._shapes = [(members, a + 1, b) for a, b in zip(dims[:-1], dims[1:])]
        sizes = [math.prod(s) for s in self._shapes]
        offsets = np.cumsum([0] + sizes)
        self.theta = np.zeros(int(offsets[-1]))
        self._grad = np.zeros_like(self.theta)
        self.weights = [self.theta[o:o + n].reshape(s)
                        for o, n, s in zip(offsets[:-1], sizes, self._shapes)]
        self._grads = [self._grad[o:o + n].reshape(s)
                       for o, n, s in zip(offsets[:-1], sizes, self._shapes)]
        for w, (_, a1, b) in zip(self.weights, self._shapes):
            limit = math.sqrt(6.0 / (a1 - 1 + b))
            w[:, :-1, :] = rng.uniform(-limit, limit, size=(members, a1 - 1, b))
        # the gradient of a hidden layer's input leaves the bias row out
        self._back = [w[:, :-1, :].swapaxes(1, 2) for w in self.weights]

    def fit(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> None:
        """Train every member on ``x`` ``(n, in_dim)`` and targets ``y`` ``(n,)`` (MAE), each
        epoch in minibatches of a fresh permutation per member (from ``rng``)."""
        cfg, E = self.config, self.members
        n = len(x)
        xa = _with_ones(np.asarray(x, dtype=np.float64))
        y = np.asarray(y, dtype=np.float64)
        bs = min(cfg.batch_size, n)
        batches = [(s, min(bs, n - s)) for s in range(0, n, bs)]
        buffers = {rows: _Buffers(E, rows, cfg.width, cfg.layers) for _, rows in batches}
        theta, grad = self.theta, self._grad
        m, v, tmp = np.zeros_like(theta), np.zeros_like(theta), np.empty_like(theta)
        b1, b2 = cfg.beta1, cfg.beta2
        eps = cfg.eps / math.sqrt(1.0 - b2)
        gain = cfg.lr * (1.0 - b1) / math.sqrt(1.0 - b2)
        t = 0
        for _ in range(cfg.epochs):
            order = np.argsort(rng.random((E, n)), axis=1, kind="stable")
            xs, ys = xa[order], y[order][:, :, None]
            for s, rows in batches:
                self._gradient(xs[:, s:s + rows], ys[:, s:s + rows], buffers[rows])
                # Adam, TensorFlow's form, on the unnormalised moments m' and v'
                t += 1
                m *= b1
                m += grad
                v *= b2
                np.multiply(grad, grad, out=tmp)
                v += tmp
                np.sqrt(v, out=tmp)
                tmp += eps
                np.divide(m, tmp, out=tmp)
                tmp *= gain * math.sqrt(1.0 - b2 ** t) / (1.0 - b1 ** t)
                theta -= tmp

    def _gradient(self, inp: np.ndarray, target: np.ndarray, buf: _Buffers) -> None:
        """The gradient of every member's mean absolute error on one minibatch into
        ``self._grad``: ``inp`` ``(E, rows, in_dim + 1)`` (last column ones), ``target``
        ``(E, rows, 1)``."""
        weights, grads, back = self.weights, self._grads, self._back
        acts, relu, pre = buf.acts, buf.relu, buf.pre
        L = self.config.layers
        np.matmul(inp, weights[0], out=pre[0])
        np.maximum(pre[0], 0.0, out=relu[0])
        for i in range(1, L):
            np.matmul(acts[i - 1], weights[i], out=pre[i])
            np.maximum(pre[i], 0.0, out=relu[i])
        np.matmul(acts[L - 1], weights[L], out=buf.out)
        delta = buf.delta_out  # d mean|out - y| / d out; sign(0) = 0 as TF's abs gradient
        np.subtract(buf.out, target, out=delta)
        np.sign(delta, out=delta)
        delta *= 1.0 / delta.shape[1]
        for i in range(L, 0, -1):
            np.matmul(acts[i - 1].swapaxes(1, 2), delta, out=grads[i])
            nxt = buf.deltas[i % 2]
            np.matmul(delta, back[i], out=nxt)
            np.greater(pre[i - 1], 0.0, out=buf.active)  # ReLU' (0 at 0, as TF's)
            np.multiply(nxt, buf.active, out=nxt)
            delta = nxt
        np.matmul(inp.swapaxes(1, 2), delta, out=grads[0])

    def loss(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``(E,)``: every member's mean absolute error on ``x``, ``y``."""
        return np.asarray(np.mean(np.abs(self.predict(x) - np.asarray(y)[None, :]), axis=1))

    def predict(self, x: np.ndarray) -> np.ndarray:
        """``(E, m)``: every member's prediction for each row of ``x`` ``(m, in_dim)``."""
        h: np.ndarray = np.broadcast_to(_with_ones(np.asarray(x, dtype=np.float64)),
                                        (self.members, len(x), self.in_dim + 1))
        for w in self.weights[:-1]:
            z = np.matmul(h, w)
            h = np.empty((self.members, len(x), z.shape[2] + 1))
            np.maximum(z, 0.0, out=h[:, :, :-1])
            h[:, :, -1] = 1.0
        out: np.ndarray = np.matmul(h, self.weights[-1])[:, :, 0]
        return out


def _with_ones(x: np.ndarray) -> np.ndarray:
    """``x`` with a last column of ones (the bias input)."""
    out = np.empty((len(x), x.shape[1] + 1))
    out[:, :-1] = x
    out[:, -1] = 1.0
    return out
