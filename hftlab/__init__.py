"""hftlab: machine learning in high-frequency markets, on JAX.

Subpackages: ``lob`` (limit order book), ``env`` (multi-agent market), ``rl`` (IPPO),
``bandits`` (causal bandits and abstraction), ``fundgan`` (fund-strategy GAN),
``viz`` (Altair charts and widgets). ``hftlab.config`` holds the quick-mode switch.
"""

__version__ = "0.1.0"
