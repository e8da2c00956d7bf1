"""A plain PyTorch MLP as a tradeoff candidate (the lecture's network, written as a
colleague would). params: `hidden` (list of widths), `epochs`, `batch_size`,
`learning_rate`. Runs on the trial's device (`device = "cuda"` in the candidate)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "clients" / "python"))
import tradeoff_client as tc  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

job = tc.load()
torch.manual_seed(job.seed % 2**63)
torch.set_num_threads(job.threads)
device = torch.device(job.device)
p = job.params
hidden = p.get("hidden", [64])


def network(features, classes):
    layers, width = [], features
    for h in hidden:
        layers += [torch.nn.Linear(width, h), torch.nn.ReLU()]
        width = h
    layers.append(torch.nn.Linear(width, classes))
    return torch.nn.Sequential(*layers)


if job.mode == "predict-one":
    saved = torch.load(job.model_path("model.pt"), map_location=device)
    model = network(len(job.features), job.n_classes).to(device)
    model.load_state_dict(saved["weights"])
    model.eval()
    mean, std = saved["mean"].to(device), saved["std"].to(device)

    def one(row):
        with torch.no_grad():
            x = (torch.from_numpy(row).to(device) - mean) / std
            return int(model(x.unsqueeze(0)).argmax(1).item())

    tc.serve(one)
    sys.exit(0)

X = torch.from_numpy(np.nan_to_num(job.X_train)).to(device)
y = torch.from_numpy(job.y_train.astype(np.int64)).to(device)
X_test = torch.from_numpy(np.nan_to_num(job.X_test)).to(device)
model = network(X.shape[1], job.n_classes).to(device)


def synchronize():
    if device.type == "cuda":
        torch.cuda.synchronize()


with tc.fit():
    mean, std = X.mean(0), X.std(0).clamp_min(1e-6)
    Xn = (X - mean) / std
    optimiser = torch.optim.Adam(model.parameters(), lr=p.get("learning_rate", 1e-3))
    generator = torch.Generator().manual_seed(job.seed % 2**63)
    for _ in range(p.get("epochs", 20)):
        order = torch.randperm(len(Xn), generator=generator).to(device)
        for start in range(0, len(Xn), p.get("batch_size", 64)):
            batch = order[start : start + p.get("batch_size", 64)]
            optimiser.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(Xn[batch]), y[batch])
            loss.backward()
            optimiser.step()
    synchronize()
model.eval()
with tc.predict():
    with torch.no_grad():
        logits = model((X_test - mean) / std)
        classes = logits.argmax(1).cpu().numpy()
        scores = torch.softmax(logits, 1).cpu().numpy() if job.wants_scores else None
tc.save_predictions(job, classes, scores)
torch.save({"weights": model.state_dict(), "mean": mean.cpu(), "std": std.cpu()}, job.model_path("model.pt"))
tc.save_model(job.model_path("model.pt"))
