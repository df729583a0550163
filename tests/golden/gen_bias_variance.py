"""Golden values for keel's bias-variance decomposition (src/train/bias_variance.cpp).

numpy only: mlxtend is not installed here, so its bias_variance_decomp formulas for the 0-1
loss are written out below as mlxtend computes them (main prediction = argmax(bincount) over
the models' predicted classes, avg_expected_loss, avg_bias, avg_var), applied to fixed random
probabilities instead of retrained models. The squared error terms are Geman et al.'s, on the
probability vectors against one-hot labels.
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def mlxtend_zero_one(all_pred, y_test):
    """mlxtend.evaluate.bias_variance_decomp's 0-1 loss branch, given its all_pred array."""
    main_predictions = np.apply_along_axis(lambda x: np.argmax(np.bincount(x)), axis=0, arr=all_pred)
    avg_expected_loss = np.apply_along_axis(lambda x: (x != y_test).mean(), axis=1, arr=all_pred).mean()
    avg_bias = np.sum(main_predictions != y_test) / y_test.size
    var = np.zeros(all_pred.shape[1])
    for pred in all_pred:
        var += (pred != main_predictions).astype(np.int_)
    var /= all_pred.shape[0]
    avg_var = var.sum() / y_test.shape[0]
    return main_predictions, avg_expected_loss, avg_bias, avg_var


def make_case(name, probs, labels):
    probs = np.asarray(probs, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    models, points, classes = probs.shape
    onehot = np.eye(classes)[labels]  # (n, C)
    mean = probs.mean(axis=0)
    sq_error = ((probs - onehot) ** 2).sum(axis=2).mean()
    sq_bias2 = ((mean - onehot) ** 2).sum(axis=1).mean()
    sq_variance = ((probs - mean) ** 2).sum(axis=2).mean()
    all_pred = probs.argmax(axis=2)  # (K, n)
    main, error, bias, var = mlxtend_zero_one(all_pred, labels)
    unbiased = np.where(main == labels, (all_pred != main).mean(axis=0), 0.0).mean()
    biased = np.where(main != labels, (all_pred == labels).mean(axis=0), 0.0).mean()
    return {"name": name, "models": models, "points": points, "classes": classes,
            "probabilities": probs.reshape(-1).tolist(), "labels": labels.tolist(),
            "main_prediction": main.tolist(),
            "sq_error": float(sq_error), "sq_bias2": float(sq_bias2), "sq_variance": float(sq_variance),
            "zero_one_error": float(error), "zero_one_bias": float(bias), "zero_one_variance": float(var),
            "zero_one_net_variance": float(error - bias),
            "zero_one_unbiased_variance": float(unbiased), "zero_one_biased_variance": float(biased)}


def main():
    rng = np.random.RandomState(13)
    cases = []
    # Softmax-like probabilities from random Dirichlet draws, labels partly agreeing with them.
    for name, (k, n, c) in [("k5_n40_c3", (5, 40, 3)), ("k8_n30_c10", (8, 30, 10)), ("k1_n12_c4", (1, 12, 4))]:
        probs = rng.dirichlet(np.full(c, 0.7), size=(k, n))
        labels = rng.randint(0, c, size=n)
        cases.append(make_case(name, probs, labels))
    # Few distinct values, so that the models' votes tie often (ties go to the smallest class).
    k, n, c = 4, 50, 3
    picks = rng.randint(0, c, size=(k, n))
    probs = np.full((k, n, c), 0.1)
    np.put_along_axis(probs, picks[..., None], 0.8, axis=2)
    labels = rng.randint(0, c, size=n)
    cases.append(make_case("k4_n50_c3_ties", probs, labels))
    path = os.path.join(HERE, "bias_variance.json")
    with open(path, "w") as f:
        json.dump({"generator": "tests/golden/gen_bias_variance.py", "numpy": np.__version__, "cases": cases},
                  f, separators=(",", ":"))
        f.write("\n")
    print("wrote %s (%d cases)" % (path, len(cases)))


if __name__ == "__main__":
    main()
