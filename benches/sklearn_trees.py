"""scikit-learn's side of `just bench-trees`: the same split, the same learners, timed
the same way (fit and predict wall-clock, test accuracy, pickled model size, peak RSS).

Prints one JSON object per learner on stdout. Usage:
    python benches/sklearn_trees.py <fashion-mnist dir> [--only tree|forest]
"""
import json
import pickle
import resource
import sys
import time

from sklearn.ensemble import RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier

from fashion_data import load


def main():
    folder = sys.argv[1]
    only = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--only" else None
    x_train, y_train, x_test, y_test = load(folder)
    learners = {
        "tree": lambda: DecisionTreeClassifier(criterion="entropy", random_state=0),
        "forest": lambda: RandomForestClassifier(n_estimators=100, n_jobs=-1, random_state=0),
    }
    for name, make in learners.items():
        if only and name != only:
            continue
        model = make()
        start = time.perf_counter()
        model.fit(x_train, y_train)
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        predicted = model.predict(x_test)
        predict_s = time.perf_counter() - start
        print(json.dumps({
            "learner": name,
            "fit_s": fit_s,
            "predict_s": predict_s,
            "accuracy": float((predicted == y_test).mean()),
            "model_bytes": len(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)),
            "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        }), flush=True)


if __name__ == "__main__":
    main()
