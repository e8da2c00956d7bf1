"""The `learner = "command"` protocol of tradeoff, for Python.

tradeoff runs your script once per trial (fit and predict) and, when the candidate says
`predict_one = true` and the experiment asks for `inference_latency`, once more to serve
single rows. Everything the trial needs is in a job folder named by `TRADEOFF_JOB`:

    import tradeoff_client as tc

    job = tc.load()
    if job.mode == "predict-one":
        model = load_your_model(job.model_path("model.pkl"))
        tc.serve(lambda row: model.predict(row.reshape(1, -1))[0])
    else:
        model = YourModel(**job.params, random_state=job.seed % 2**32)
        with tc.fit():
            model.fit(job.X_train, job.y_train)
        with tc.predict():
            classes = model.predict(job.X_test)
        tc.save_predictions(job, classes)
        save_your_model(model, job.model_path("model.pkl"))
        tc.save_model(job.model_path("model.pkl"))

tradeoff times and meters exactly the `fit()` and `predict()` blocks (without them, the
whole process, labelled so), computes every quality figure itself from the predictions,
and measures memory over your process tree. Needs NumPy for `.npy` jobs (the default);
`data_format = "csv"` jobs are read without it, as lists.

Copy this file beside your script, or put `clients/python` on `PYTHONPATH`.
"""

import contextlib
import csv
import json
import os
import sys

PROTOCOL = 1


class Job:
    """One trial: its rows, hyperparameters, seed, threads and device."""

    def __init__(self, description):
        if description.get("protocol") != PROTOCOL:
            raise RuntimeError(
                f"job.json speaks protocol {description.get('protocol')}, this client {PROTOCOL}"
            )
        self.description = description
        self.mode = os.environ.get("TRADEOFF_MODE", description.get("mode", "fit-predict"))
        self.params = description["params"]
        self.seed = description["seed"]
        self.threads = description["threads"]
        self.device = description["device"]
        self.n_classes = description["n_classes"]
        self.classes = description["classes"]
        self.features = description["features"]
        self.wants_scores = description["scores"]
        self.folder = description["folder"]
        self.model_dir = description["model_dir"]
        self._cache = {}

    def model_path(self, name):
        """A path in the trial's model folder (kept from fit until predict-one ends)."""
        return os.path.join(self.model_dir, name)

    def _array(self, part, key):
        if (part, key) not in self._cache:
            import numpy as np

            self._cache[(part, key)] = np.load(self.description[part][key])
        return self._cache[(part, key)]

    def _csv(self, part):
        if (part, "csv") not in self._cache:
            with open(self.description[part]["csv"], newline="") as f:
                rows = list(csv.reader(f))
            header, body = rows[0], rows[1:]
            labelled = part == "train"  # training rows end with `label`; test rows have none
            width = len(header) - 1 - (1 if labelled else 0)
            ids = [int(r[0]) for r in body]
            x = [[float(v) if v != "" else float("nan") for v in r[1 : 1 + width]] for r in body]
            y = [int(r[-1]) for r in body] if labelled else None
            self._cache[(part, "csv")] = (ids, x, y)
        return self._cache[(part, "csv")]

    def _get(self, part, key, csv_index):
        if self.description["data_format"] == "csv":
            return self._csv(part)[csv_index]
        return self._array(part, key)

    @property
    def X_train(self):
        """Training features: float32, rows x features, NaN where a value is missing."""
        return self._get("train", "x", 1)

    @property
    def y_train(self):
        """Training labels: class indices 0 .. n_classes - 1 (names in `classes`)."""
        return self._get("train", "y", 2)

    @property
    def train_ids(self):
        return self._get("train", "ids", 0)

    @property
    def X_test(self):
        """Test features (their labels are tradeoff's, not yours)."""
        return self._get("test", "x", 1)

    @property
    def test_ids(self):
        return self._get("test", "ids", 0)


def load(path=None):
    """The job of this trial (from `TRADEOFF_JOB`)."""
    path = path or os.environ.get("TRADEOFF_JOB")
    if not path:
        raise RuntimeError("TRADEOFF_JOB is not set: this script is run by `tradeoff run`")
    with open(path) as f:
        return Job(json.load(f))


def mark(text):
    """Writes one mark line to tradeoff (a no-op outside a fit-predict run)."""
    fd = os.environ.get("TRADEOFF_MARKS_FD")
    if fd:
        os.write(int(fd), (text + "\n").encode())


@contextlib.contextmanager
def _phase(name):
    mark(f"{name} start")
    yield
    # Not in a `finally`: a phase that raised has no end, and the trial fails on the exit code.
    mark(f"{name} end")


def fit():
    """`with fit(): ...` marks the training phase: train_time and train_energy cover it."""
    return _phase("fit")


def predict():
    """`with predict(): ...` marks one pass over the test rows: inference_throughput."""
    return _phase("predict")


def save_model(path):
    """Names the saved model (a file or a folder): model_size is its size in bytes."""
    mark(f"model {os.path.abspath(path)}")


def save_predictions(job, classes, scores=None):
    """Writes the test predictions: one class index per test row, in the order of
    `job.X_test`, and optionally one score per class (e.g. `predict_proba`)."""
    ids = job.test_ids
    if len(classes) != len(ids):
        raise ValueError(f"{len(classes)} predictions for {len(ids)} test rows")
    header = ["row_id", "class"]
    if scores is not None:
        header += [f"score_{k}" for k in range(job.n_classes)]
    with open(job.description["predictions"], "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(header)
        for i, row_id in enumerate(ids):
            line = [int(row_id), int(classes[i])]
            if scores is not None:
                line += [repr(float(s)) for s in scores[i]]
            out.writerow(line)


def serve(predict_one):
    """Predict-one mode: answers one class per row read from stdin until it closes.
    `predict_one` gets a float32 NumPy row (or a list without NumPy)."""
    try:
        import numpy as np

        parse = lambda line: np.array(line.split(","), dtype=np.float32)  # noqa: E731
    except ImportError:
        parse = lambda line: [float(v) for v in line.split(",")]  # noqa: E731
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    for line in sys.stdin:
        sys.stdout.write(f"{int(predict_one(parse(line)))}\n")
        sys.stdout.flush()
