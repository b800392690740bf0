"""Search a small CNN on Fashion-MNIST (the four IDX files in DATA_DIR) with asng_nas.nn, export, retrain."""

import argparse

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import asng_nas.nn as ann
from asng_nas.classification.data import FASHION_MNIST_DIR, load_fashion_mnist
from asng_nas.search import SearchConfig


def block(cin, cout, kernel):  # an op choice per block: a k x k conv, or max-pool then 1 x 1 conv
    conv = nn.Sequential(ann.Conv2d(cin, cout, kernel, padding="same"), ann.BatchNorm2d(cout), nn.ReLU())
    pool = nn.Sequential(nn.MaxPool2d(3, 1, 1), ann.Conv2d(cin, cout, 1), ann.BatchNorm2d(cout), nn.ReLU())
    return ann.LayerChoice({"conv": conv, "pool": pool})


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        width, kernel = ann.IntChoice(8, 32, step=8, label="width"), ann.ValueChoice([3, 5], label="kernel")
        self.b1, self.b2 = block(1, width, kernel), block(width, width, kernel)
        self.skip = ann.InputChoice(2, label="skip")  # block 2 alone, or with a residual connection
        self.head = ann.Linear(width, 10)

    def forward(self, x):
        a = nn.functional.max_pool2d(self.b1(x), 2)
        b = self.b2(a)
        return self.head(self.skip([b, a + b]).mean(dim=(2, 3)))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("data_dir", nargs="?", default=FASHION_MNIST_DIR)  # Debian's dataset-fashion-mnist
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--retrain-epochs", type=int, default=5)
    p.add_argument("--limit", type=int, help="use the first N training images (N // 5 test images)")
    p.add_argument("--out", default="runs/fashion-mnist-nn"), p.add_argument("--overwrite", action="store_true")
    args = p.parse_args(argv)
    d, n = load_fashion_mnist(args.data_dir), args.limit
    train, test = (TensorDataset((x[:k].float() / 255 - 0.286) / 0.353, y[:k]) for x, y, k in
                   [(d.x_train, d.y_train, n), (d.x_test, d.y_test, n and n // 5)])  # fmt: skip
    torch.manual_seed(0)
    found = ann.search(Net(), train, test_data=test, config=SearchConfig(epochs=args.epochs, progress=False),
                       batch_size=32, out_dir=args.out, overwrite=args.overwrite, device="cpu")  # fmt: skip
    model = found.export(init="fresh").module  # an ordinary nn.Module, retrained from scratch
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for _ in range(args.retrain_epochs):
        for x, y in DataLoader(train, batch_size=64, shuffle=True):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
    acc = sum(int((model.eval()(x).argmax(1) == y).sum()) for x, y in DataLoader(test, 256)) / len(test)
    print(f"architecture {found.choices}: retrained test accuracy {acc:.3f}")


if __name__ == "__main__":
    main()
