"""Plain tensor code, no nn.Module at all: the probe reports no modules and the script runs to its end."""

import sys

import torch

w = torch.zeros(3, requires_grad=True)
for _ in range(5):
    loss = ((w - torch.tensor([1.0, 2.0, 3.0])) ** 2).sum()
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
        w.grad.zero_()
print("w", [round(v, 3) for v in w.tolist()])
sys.exit(3 if "--exit3" in sys.argv else 0)
