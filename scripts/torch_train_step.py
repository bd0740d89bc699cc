"""PyTorch reference for the training-step benchmark: a PGDAT and an IGD step as the official IGD
code takes them (PGD-10, float32), timed like `python -m igdtf.benchmarks.train_step`.

  /path/to/venv-torch/bin/python scripts/torch_train_step.py --batch=32 --image_size=32 --steps=5

torch is not a dependency of igdtf; it runs in its own environment (BUILD.md, "Benchmarks").
The model is ResNet-18 with the 3×3 stem (igdtf's resnet18 for 32 px: 3×3 stride-1 stem, no
max-pool, BasicBlocks 64-128-256-512, global average pooling), input standardisation inside
the model, on one fixed random batch of 10 classes. A step: L∞ PGD-10 (ε 8/255, step 2/255,
random start, eval mode), then CE on the adversarial batch (train mode) and, for IGD,
−λ·cos(∂f_y/∂x, ∂t_y/∂x) on the clean batch (λ 2, double backprop through the student's input
gradient, a frozen random teacher of the same architecture), momentum SGD with weight decay
5e-4. Candidates are warmed up once, then timed in round-robin rounds of one step each; it
prints one line per candidate: median (min, max) ms/step and images/s, as train_step does.
"""

import argparse
import os
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

EPSILON, STEP_SIZE, PGD_STEPS, LAMBDA = 8 / 255, 2 / 255, 10, 2.0


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(h)) + self.shortcut(x))


class ResNet18(nn.Module):
    """[N, 3, H, W] images in [0, 1] → [N, classes] logits (standardisation included)."""

    def __init__(self, classes: int = 10):
        super().__init__()
        self.register_buffer("mean", torch.full((1, 3, 1, 1), 0.5))
        self.register_buffer("std", torch.full((1, 3, 1, 1), 0.25))
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU())
        blocks, cin = [], 64
        for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            blocks += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
            cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.logits = nn.Linear(512, classes)

    def forward(self, x):
        h = self.blocks(self.stem((x - self.mean) / self.std))
        return self.logits(torch.flatten(F.adaptive_avg_pool2d(h, 1), 1))


def pgd(model, x, y):
    """L∞ PGD-10 with a random start, in eval mode; returns x' without gradient."""
    model.eval()
    x_adv = (x + torch.empty_like(x).uniform_(-EPSILON, EPSILON)).clamp(0, 1)
    for _ in range(PGD_STEPS):
        x_adv.requires_grad_(True)
        grad, = torch.autograd.grad(F.cross_entropy(model(x_adv), y, reduction="sum"), x_adv)
        x_adv = torch.min(torch.max(x_adv.detach() + STEP_SIZE * grad.sign(), x - EPSILON), x + EPSILON).clamp(0, 1)
    model.train()
    return x_adv.detach()


def true_logit_gradient(model, x, y, create_graph: bool):
    x = x.clone().requires_grad_(True)
    total = model(x).gather(1, y[:, None]).sum()
    grad, = torch.autograd.grad(total, x, create_graph=create_graph)
    return grad


def make_step(student, teacher=None):
    optimizer = torch.optim.SGD(student.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)

    def step(x, y):
        x_adv = pgd(student, x, y)
        loss = F.cross_entropy(student(x_adv), y, reduction="none")
        if teacher is not None:
            target = true_logit_gradient(teacher, x, y, create_graph=False).flatten(1)
            student.eval()
            own = true_logit_gradient(student, x, y, create_graph=True).flatten(1)
            student.train()
            loss = loss - LAMBDA * F.cosine_similarity(own, target, dim=1, eps=1e-12)
        optimizer.zero_grad(set_to_none=True)
        loss.mean().backward()
        optimizer.step()
        return float(loss.mean().detach())

    return step


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--image_size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=5, help="timed steps per candidate (round-robin)")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="torch intra-op threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x = torch.rand(args.batch, 3, args.image_size, args.image_size)
    y = torch.randint(0, 10, (args.batch,))
    teacher = ResNet18().eval()
    for parameter in teacher.parameters():
        parameter.requires_grad_(False)
    candidates = {"torch_pgdat": make_step(ResNet18()), "torch_igd": make_step(ResNet18(), teacher)}
    for run in candidates.values():
        run(x, y)  # warm-up
    seconds = {name: [] for name in candidates}
    for _ in range(args.steps):
        for name, run in candidates.items():
            start = time.perf_counter()
            run(x, y)
            seconds[name].append(time.perf_counter() - start)
    load = os.getloadavg()
    print(f"torch_train_step: torch {torch.__version__}, resnet18 {args.image_size}x{args.image_size}x3, batch "
          f"{args.batch}, {args.steps} timed steps each (round-robin), {args.threads} threads, PGD-10 float32; "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    reference = statistics.median(seconds["torch_pgdat"])
    for name, values in seconds.items():
        median = statistics.median(values)
        print(f"{name:<20} {median * 1000:9.1f} ms/step (min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f})  "
              f"{args.batch / median:8.1f} images/s  {median / reference:5.2f}x torch_pgdat")


if __name__ == "__main__":
    main()
