"""PyTorch's side of `just bench-torch`: the lecture's MLP (784-300-100-10, ReLU) on
Fashion-MNIST, 10 epochs, batch 128, Adam 1e-3, on the CPU, written as the same loop the
`torch.mlp` learner runs (standardised inputs, a random permutation per epoch, index_select
batches, the epoch's loss read once). Prints one JSON object.

Usage: python benches/torch_mlp.py <fashion-mnist dir> <threads> [epochs]
"""
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from fashion_data import load


def main():
    folder, threads = sys.argv[1], int(sys.argv[2])
    epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    arrays = load(folder)
    x_train, x_test = torch.from_numpy(arrays[0]), torch.from_numpy(arrays[2])
    y_train, y_test = torch.from_numpy(arrays[1].astype(np.int64)), torch.from_numpy(arrays[3].astype(np.int64))

    start = time.perf_counter()
    mean = x_train.mean(0, keepdim=True)
    inv_std = x_train.std(0, unbiased=False, keepdim=True).clamp_min(1e-6).reciprocal()
    x = (x_train - mean) * inv_std
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 300), torch.nn.ReLU(), torch.nn.Linear(300, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10)
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    rows, batch = x.shape[0], 128
    for epoch in range(epochs):
        order = torch.randperm(rows)
        total = torch.zeros(())
        for begin in range(0, rows, batch):
            index = order[begin : begin + batch]
            loss = F.cross_entropy(model(x.index_select(0, index)), y_train.index_select(0, index))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.detach() * index.shape[0]
        mean_loss = total.item() / rows
        assert mean_loss == mean_loss, "diverged"
    train_s = time.perf_counter() - start
    with torch.no_grad():
        predicted = model((x_test - mean) * inv_std).argmax(1)
    print(json.dumps({
        "who": "pytorch",
        "train_s": train_s,
        "accuracy": float((predicted == y_test).float().mean()),
        "parameters": sum(p.numel() for p in model.parameters()),
        "threads": threads,
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
