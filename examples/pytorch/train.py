"""A small PyTorch training script to debug with nnet: a 3-layer MLP learning a smooth function of 8 inputs.

Run it plainly (`python3 train.py`) or under nnet's probe; `--dump FILE` writes fc2.weight.grad after the first
backward as JSON, so tests can compare it with what the debugger reads. No downloads: the data is generated.
"""

import argparse
import json

import torch
from torch import nn


class MLP(nn.Module):
    def __init__(self, inputs: int = 8, hidden: int = 32, outputs: int = 1) -> None:
        super().__init__()
        self.fc1 = nn.Linear(inputs, hidden)
        self.act1 = nn.ReLU()
        self.fc2 = nn.Linear(hidden, hidden)
        self.act2 = nn.ReLU()
        self.fc3 = nn.Linear(hidden, outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act1(self.fc1(x))
        x = self.act2(self.fc2(x))
        return self.fc3(x)


def make_data(samples: int = 512) -> tuple:
    """Inputs in [-1, 1]^8 and a target mixing a sine and a product of two inputs."""
    g = torch.Generator().manual_seed(0)
    x = torch.rand(samples, 8, generator=g) * 2 - 1
    y = torch.sin(3 * x[:, :1]) + x[:, 1:2] * x[:, 2:3]
    return x, y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--dump", help="write fc2.weight.grad after the first backward to this JSON file")
    args = parser.parse_args()

    torch.manual_seed(0)
    model = MLP()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    loss_fn = nn.MSELoss()
    x, y = make_data()

    for step in range(args.steps):
        i = (step * args.batch) % len(x)
        xb, yb = x[i : i + args.batch], y[i : i + args.batch]
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        if step == 0 and args.dump:
            grad = model.fc2.weight.grad
            with open(args.dump, "w") as f:
                json.dump({"shape": list(grad.shape), "values": grad.reshape(-1).tolist()}, f)
        optimizer.step()
        if step % 50 == 0 or step == args.steps - 1:
            print(f"step {step:4d}  loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
