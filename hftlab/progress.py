"""The package's one progress bar: a lazily opened ``tqdm.auto`` bar (notebook widget or terminal).

:class:`ProgressBar` is called with the position reached and a dict of values for the
postfix. It works as a ``jax.debug.callback`` target from inside a compiled loop (IPPO
reports ``(update, {type: episode returns})``; under ``vmap`` the callback fires once per
lane with the same position, so the bar only moves forward and array values are
averaged) and from a Python loop (the fund GAN's chunks).
"""

from __future__ import annotations

import numpy as np


class ProgressBar:
    """``bar(position, values)`` moves the bar to ``position`` and shows ``values`` (means, 3 digits)."""

    def __init__(self, total: int, desc: str = "", unit: str = "it", file=None):
        self.total, self.desc, self.unit, self.file = total, desc, unit, file
        self.bar = None  # opened on the first report, so a run that fails early prints no bar

    def __call__(self, position, values: dict | None = None) -> None:
        if self.bar is None:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=self.total, desc=self.desc, unit=self.unit, file=self.file, mininterval=0.5)
        u = int(np.max(np.asarray(position)))
        if u > self.bar.n:
            self.bar.update(u - self.bar.n)
        post = {k: f"{float(np.nanmean(np.asarray(v))):.3g}" for k, v in (values or {}).items()
                if np.isfinite(np.asarray(v, dtype=float)).any()}
        self.bar.set_postfix(post, refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
