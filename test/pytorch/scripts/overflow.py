"""A net built to overflow: `blowup` (a Linear with huge weights) turns finite inputs into ±inf, and the loss is NaN.
The NaN filter must stop at `blowup`'s forward, not at `head` after it."""

import torch
from torch import nn


class Overflowing(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Linear(4, 8)
        self.blowup = nn.Linear(8, 8)
        self.head = nn.Linear(8, 1)
        with torch.no_grad():
            self.stem.weight.fill_(1.0)
            self.stem.bias.zero_()
            self.blowup.weight.fill_(3e38)  # finite float32, but 4 · 3e38 summed 8 times is not

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.blowup(torch.relu(self.stem(x))) - 1e38)


torch.manual_seed(0)
model = Overflowing()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
x = torch.ones(16, 4)
for step in range(3):
    optimizer.zero_grad()
    loss = model(x).pow(2).mean()
    loss.backward()
    optimizer.step()
print("loss", loss.item())
