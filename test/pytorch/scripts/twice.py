"""One module called twice per step (a shared block), and a model whose first call runs under no_grad."""

import torch
from torch import nn


class Twice(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.inp = nn.Linear(3, 4)
        self.shared = nn.Linear(4, 4)
        self.out = nn.Linear(4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.shared(torch.tanh(self.shared(self.inp(x)))))


torch.manual_seed(0)
model = Twice()
with torch.no_grad():
    model(torch.ones(1, 3))  # an evaluation first: the probe meets the model under no_grad
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(2):
    optimizer.zero_grad()
    model(torch.ones(2, 3)).sum().backward()
    optimizer.step()
