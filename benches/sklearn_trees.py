"""scikit-learn's side of `just bench-trees`: the same tables (written by the Rust bench,
so both sides learn from the same encoded features), the same learners, timed the same
way (fit and predict wall-clock, test accuracy, pickled model size, peak RSS).

Usage:
    python benches/sklearn_trees.py info
        the settings scikit-learn runs under, as JSON: versions, threadpoolctl's pools,
        what n_jobs=-1 means here
    python benches/sklearn_trees.py run <table folder> tree|forest
        one fit and predict, as one JSON object

A table folder holds meta.json (rows, cols, test_rows) and x_train.f32, y_train.u32,
x_test.f32, y_test.u32 (little-endian, row-major; missing values are NaN, which
scikit-learn >= 1.4 trees route natively).
"""
import json
import os
import pickle
import resource
import sys
import time

import numpy as np


def learners():
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.tree import DecisionTreeClassifier

    return {
        "tree": lambda: DecisionTreeClassifier(criterion="entropy", random_state=0),
        "forest": lambda: RandomForestClassifier(n_estimators=100, n_jobs=-1, random_state=0),
    }


def info():
    import joblib
    import sklearn
    import threadpoolctl

    pools = [
        {k: pool.get(k) for k in ("user_api", "internal_api", "prefix", "version", "num_threads", "threading_layer")}
        for pool in threadpoolctl.threadpool_info()
    ]
    print(json.dumps({
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "forest_n_jobs": -1,
        "joblib_workers_for_n_jobs_minus_1": joblib.effective_n_jobs(-1),
        "cpu_count": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)),
        "threadpools": pools,
        "env": {k: os.environ[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS") if k in os.environ},
    }))


def load(folder):
    with open(os.path.join(folder, "meta.json")) as f:
        meta = json.load(f)
    rows, cols, test_rows = meta["rows"], meta["cols"], meta["test_rows"]
    read = lambda name, dtype: np.fromfile(os.path.join(folder, name), dtype=dtype)
    x_train = read("x_train.f32", "<f4").reshape(rows, cols)
    x_test = read("x_test.f32", "<f4").reshape(test_rows, cols)
    return x_train, read("y_train.u32", "<u4"), x_test, read("y_test.u32", "<u4")


def run(folder, name):
    x_train, y_train, x_test, y_test = load(folder)
    model = learners()[name]()
    start = time.perf_counter()
    model.fit(x_train, y_train)
    fit_s = time.perf_counter() - start
    # The median of five predictions, as on our side (one call is short enough for a
    # slow spell of a shared machine to decide it).
    calls = []
    for _ in range(5):
        start = time.perf_counter()
        predicted = model.predict(x_test)
        calls.append(time.perf_counter() - start)
    predict_s = sorted(calls)[len(calls) // 2]
    print(json.dumps({
        "learner": name,
        "fit_s": fit_s,
        "predict_s": predict_s,
        "accuracy": float((predicted == y_test).mean()),
        "model_bytes": len(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)),
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }), flush=True)


def main():
    if sys.argv[1:2] == ["info"]:
        info()
    elif sys.argv[1:2] == ["run"] and len(sys.argv) == 4:
        run(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
