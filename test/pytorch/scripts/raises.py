"""Trains a few steps, then raises (the probe's exit message carries the exception and this file's line)."""

import torch
from torch import nn


def check(step: int) -> None:
    if step == 2:
        raise ValueError(f"bad batch at step {step}")


model = nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(5):
    optimizer.zero_grad()
    model(torch.ones(2, 3)).sum().backward()
    optimizer.step()
    check(step)
