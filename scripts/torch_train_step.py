"""PyTorch reference for the training-step benchmark: a PGDAT and an IGD step as the official IGD
code takes them (PGD-10, float32), timed like `python -m igdtf.benchmarks.train_step`.

  /path/to/venv-torch/bin/python scripts/torch_train_step.py --arch=resnet18 --batch=32 --image_size=32 --steps=5
  /path/to/venv-torch/bin/python scripts/torch_train_step.py --arch=wrn34_10 --steps=3 --warmup=1

torch is not a dependency of igdtf; it runs in its own environment (docs/measurements/training_step.md).
Architectures (--arch), each with input standardisation inside the model, 10 classes:
- resnet18: igdtf's resnet18 for 32 px (3×3 stride-1 stem, no max-pool, BasicBlocks
  64-128-256-512, global average pooling);
- preact_resnet18: PreActResNet-18 as in the fast-AT / robust-overfitting code (3×3 stem
  without BN, [2, 2, 2, 2] pre-activation blocks, a final BN-ReLU before pooling), 11.17 M;
- wrn34_10, wrn28_10: WideResNet-d-k as in Madry's / TRADES' / RobustBench's code
  (n = (d − 4)/6 pre-activation blocks per group, widths 16, 16k, 32k, 64k, strides 1/2/2,
  1×1 convolution shortcut where the shape changes), 46.16 M and 36.48 M.
The run is on one fixed random batch. A step: L∞ PGD-10 (ε 8/255, step 2/255, random start,
eval mode), then CE on the adversarial batch (train mode) and, for IGD, −λ·cos(∂f_y/∂x, ∂t_y/∂x)
on the clean batch (λ 2, double backprop through the student's input gradient, a frozen random
teacher of the same architecture), momentum SGD with weight decay 5e-4. Candidates are warmed
up, then timed in round-robin rounds of one step each; it prints the parameter count and one
line per candidate: median (min, max) ms/step, images/s and the median CPU time of the process
per step (all threads), as train_step does. On a shared machine compare the CPU times of
--threads=1 runs (train_step --threads=1): two threads that wait for each other at every
operation are slowed far more by other processes than one.
"""

import argparse
import functools
import os
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

EPSILON, STEP_SIZE, PGD_STEPS, LAMBDA = 8 / 255, 2 / 255, 10, 2.0


class BasicBlock(nn.Module):
    """conv3×3(stride)-BN-ReLU-conv3×3-BN, plus the input or its 1×1 convolution-BN, then ReLU."""

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


class PreActBlock(nn.Module):
    """BN-ReLU-conv3×3(stride)-BN-ReLU-[dropout]-conv3×3, plus the input, or where the shape
    changes a 1×1 convolution (stride) of the pre-activated input."""

    def __init__(self, cin: int, cout: int, stride: int, dropout: float = 0.0):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.dropout = nn.Dropout(dropout) if dropout else nn.Identity()
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.shortcut = None if stride == 1 and cin == cout else nn.Conv2d(cin, cout, 1, stride, bias=False)

    def forward(self, x):
        activated = F.relu(self.bn1(x))
        h = self.conv2(self.dropout(F.relu(self.bn2(self.conv1(activated)))))
        return h + (x if self.shortcut is None else self.shortcut(activated))


class Classifier(nn.Module):
    """[N, 3, H, W] images in [0, 1] → standardise → features → global average pool → [N, classes] logits."""

    def __init__(self, features: nn.Module, width: int, classes: int):
        super().__init__()
        self.register_buffer("mean", torch.full((1, 3, 1, 1), 0.5))
        self.register_buffer("std", torch.full((1, 3, 1, 1), 0.25))
        self.features = features
        self.logits = nn.Linear(width, classes)

    def forward(self, x):
        h = self.features((x - self.mean) / self.std)
        return self.logits(torch.flatten(F.adaptive_avg_pool2d(h, 1), 1))


def _stages(block, cin: int, widths_and_strides, blocks_per_stage: int) -> list:
    layers = []
    for cout, stride in widths_and_strides:
        layers += [block(cin, cout, stride)] + [block(cout, cout, 1) for _ in range(blocks_per_stage - 1)]
        cin = cout
    return layers


def resnet18(classes: int = 10) -> nn.Module:
    stem = [nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU()]
    stages = _stages(BasicBlock, 64, ((64, 1), (128, 2), (256, 2), (512, 2)), 2)
    return Classifier(nn.Sequential(*stem, *stages), 512, classes)


def preact_resnet18(classes: int = 10) -> nn.Module:
    stages = _stages(PreActBlock, 64, ((64, 1), (128, 2), (256, 2), (512, 2)), 2)
    head = [nn.BatchNorm2d(512), nn.ReLU()]
    return Classifier(nn.Sequential(nn.Conv2d(3, 64, 3, 1, 1, bias=False), *stages, *head), 512, classes)


def wide_resnet(depth: int, width: int, classes: int = 10, dropout: float = 0.0) -> nn.Module:
    """WRN-depth-width: (depth − 4)/6 pre-activation blocks in each of three groups."""
    if (depth - 4) % 6:
        raise ValueError(f"WideResNet depth must be 6n + 4, got {depth}")
    widths = (16 * width, 32 * width, 64 * width)
    block = functools.partial(PreActBlock, dropout=dropout)
    stages = _stages(block, 16, zip(widths, (1, 2, 2)), (depth - 4) // 6)
    head = [nn.BatchNorm2d(widths[-1]), nn.ReLU()]
    return Classifier(nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False), *stages, *head), widths[-1], classes)


ARCHITECTURES = {
    "resnet18": resnet18,
    "preact_resnet18": preact_resnet18,
    "wrn34_10": functools.partial(wide_resnet, 34, 10),
    "wrn28_10": functools.partial(wide_resnet, 28, 10),
}


def parameter_count(model: nn.Module) -> int:
    """Trainable parameters (BN scales and offsets included, running statistics not)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


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
    parser.add_argument("--arch", choices=sorted(ARCHITECTURES), default="resnet18",
                        help="student (and teacher) architecture")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--image_size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=5, help="timed steps per candidate (round-robin)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed steps per candidate first")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="torch intra-op threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x = torch.rand(args.batch, 3, args.image_size, args.image_size)
    y = torch.randint(0, 10, (args.batch,))
    build = ARCHITECTURES[args.arch]
    teacher = build().eval()
    for parameter in teacher.parameters():
        parameter.requires_grad_(False)
    student = build()
    candidates = {"torch_pgdat": make_step(student), "torch_igd": make_step(build(), teacher)}
    load_before = os.getloadavg()
    for _ in range(args.warmup):
        for run in candidates.values():
            run(x, y)
    seconds = {name: [] for name in candidates}
    cpu_seconds = {name: [] for name in candidates}
    for _ in range(args.steps):
        for name, run in candidates.items():
            start, cpu_start = time.perf_counter(), time.process_time()
            run(x, y)
            seconds[name].append(time.perf_counter() - start)
            cpu_seconds[name].append(time.process_time() - cpu_start)
    print(f"torch_train_step: torch {torch.__version__}, {args.arch} ({parameter_count(student) / 1e6:.2f} M "
          f"parameters) {args.image_size}x{args.image_size}x3, batch {args.batch}, {args.steps} timed steps each "
          f"(round-robin) after {args.warmup} warm-up, {args.threads} threads, PGD-10 float32")
    print(f"before: {_load(load_before)}; after: {_load()}")
    reference = statistics.median(seconds["torch_pgdat"])
    for name, values in seconds.items():
        median = statistics.median(values)
        print(f"{name:<20} {median * 1000:9.1f} ms/step (min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f})  "
              f"{args.batch / median:8.1f} images/s  {median / reference:5.2f}x torch_pgdat  "
              f"cpu {statistics.median(cpu_seconds[name]) * 1000:.0f} ms/step")


def _load(averages=None) -> str:
    one, five, fifteen = averages or os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


if __name__ == "__main__":
    main()
