"""Synthetic customer data: people, their behaviour and four noisy sources.

Use `generate(people, seed, out)` to write landing files and ground truth.
"""

from synthetic.orchestrate import generate

__all__ = ["generate"]
