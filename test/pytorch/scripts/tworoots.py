"""Two models with the same module paths (a GAN's generator and discriminator): the second root's paths are told
apart by its class name."""

import torch
from torch import nn


class Generator(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(2, 4)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.fc1(z)


class Discriminator(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc1(x)


gen, disc = Generator(), Discriminator()
disc(gen(torch.ones(3, 2))).sum().backward()
