"""scikit-learn's HistGradientBoostingClassifier as a tradeoff candidate: every param
goes to the estimator (`max_iter`, `learning_rate`, `max_leaf_nodes`, ...). It learns
from missing values (NaN) itself."""

import pickle
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "clients" / "python"))
import tradeoff_client as tc  # noqa: E402

job = tc.load()
if job.mode == "predict-one":
    with open(job.model_path("model.pkl"), "rb") as f:
        model = pickle.load(f)
    tc.serve(lambda row: model.predict(row.reshape(1, -1))[0])
    sys.exit(0)

from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402

model = HistGradientBoostingClassifier(random_state=job.seed % 2**32, **job.params)
X, y, X_test = job.X_train, job.y_train, job.X_test
with tc.fit():
    model.fit(X, y)
with tc.predict():
    classes = model.predict(X_test)
    scores = model.predict_proba(X_test) if job.wants_scores else None
tc.save_predictions(job, classes, scores)
with open(job.model_path("model.pkl"), "wb") as f:
    pickle.dump(model, f, protocol=pickle.HIGHEST_PROTOCOL)
tc.save_model(job.model_path("model.pkl"))
