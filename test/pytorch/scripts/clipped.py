"""SGD with a StepLR schedule and gradient clipping: the probe's step wrapper must leave the scheduler working (it
re-wraps optimizer.step), and stepEnd must report the norm before and after clip_grad_norm_."""

import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
x, y = torch.randn(32, 4) * 10, torch.randn(32, 1) * 10
lrs = []
for step in range(6):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
    optimizer.step()
    scheduler.step()
    lrs.append(optimizer.param_groups[0]["lr"])
assert lrs == [1.0, 0.5, 0.5, 0.25, 0.25, 0.125], lrs
assert optimizer._step_count == 6, optimizer._step_count  # StepLR's counter wrapper still runs
print("lrs", lrs)
