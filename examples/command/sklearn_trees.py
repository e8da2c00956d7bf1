"""scikit-learn's DecisionTreeClassifier or RandomForestClassifier as a tradeoff candidate.

params: `model = "tree"` or `"forest"`; every other param goes to the estimator
(`max_depth`, `n_estimators`, `max_features`, `criterion`, ...). The forest uses the
trial's threads (`n_jobs`), as the native forest does.
"""

import pickle
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "clients" / "python"))
import tradeoff_client as tc  # noqa: E402

job = tc.load()
if job.mode == "predict-one":
    with open(job.model_path("model.pkl"), "rb") as f:
        model = pickle.load(f)
    model.set_params(**({"n_jobs": 1} if hasattr(model, "n_jobs") else {}))
    tc.serve(lambda row: model.predict(row.reshape(1, -1))[0])
    sys.exit(0)

from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402

params = dict(job.params)
kind = params.pop("model", "tree")
seed = job.seed % 2**32
if kind == "forest":
    model = RandomForestClassifier(random_state=seed, n_jobs=job.threads, **params)
elif kind == "tree":
    model = DecisionTreeClassifier(random_state=seed, **params)
else:
    sys.exit(f"unknown model `{kind}`: `tree` or `forest`")
X, y, X_test = job.X_train, job.y_train, job.X_test  # loaded before the timed phase
with tc.fit():
    model.fit(X, y)
with tc.predict():
    classes = model.predict(X_test)
    scores = model.predict_proba(X_test) if job.wants_scores else None
tc.save_predictions(job, classes, scores)
with open(job.model_path("model.pkl"), "wb") as f:
    pickle.dump(model, f, protocol=pickle.HIGHEST_PROTOCOL)
tc.save_model(job.model_path("model.pkl"))
