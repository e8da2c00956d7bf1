"""Fashion-MNIST for the Python side of the benchmarks: the four official IDX files as
numpy arrays, found in <folder> or <folder>/fashion-mnist."""
import gzip
import os

import numpy as np


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def find(folder, name):
    for candidate in (os.path.join(folder, "fashion-mnist", name), os.path.join(folder, name)):
        if os.path.exists(candidate):
            return candidate
    raise SystemExit(f"{name} not found in {folder}")


def load(folder):
    """(x_train, y_train, x_test, y_test): images flattened to 784 float32 features."""
    x_train = idx(find(folder, "train-images-idx3-ubyte.gz")).reshape(60000, -1).astype(np.float32)
    y_train = idx(find(folder, "train-labels-idx1-ubyte.gz"))
    x_test = idx(find(folder, "t10k-images-idx3-ubyte.gz")).reshape(10000, -1).astype(np.float32)
    y_test = idx(find(folder, "t10k-labels-idx1-ubyte.gz"))
    return x_train, y_train, x_test, y_test
