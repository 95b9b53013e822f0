"""Modules built three ways, for the construction-site test: a multi-line nn.Sequential (each entry on its own line)
and a ModuleList filled in a loop (all on the loop body's line)."""

import torch
from torch import nn


class Blocks(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.seq = nn.Sequential(
            nn.Linear(4, 6),
            nn.Tanh(),
            nn.Linear(6,
                      4),
        )
        self.layers = nn.ModuleList()
        for _ in range(3):
            self.layers.append(nn.Linear(4, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.seq(x)
        for layer in self.layers:
            x = layer(x)
        return x


model = Blocks()
model(torch.ones(1, 4)).sum().backward()
