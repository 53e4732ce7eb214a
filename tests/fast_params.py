"""Hyperparameters that let every registered model fit the fake test digits in about a second."""

# smaller settings so every model fits the 200 fake digits in about a second
FAST_PARAMS: dict[str, dict] = {
    "numpy-mlp": {"epochs": 20, "hidden": (64,), "batch_size": 32},
    "random-forest": {"n_estimators": 10},
    "logistic": {"max_iter": 50},
    "sk-mlp": {"max_iter": 5},
    "knn": {"pca": 20},
    "svm": {"pca": 20},
    "pca-svm": {"pca": 20},
    # one thread: on a busy 2-core machine two threads make these tiny fits 10x slower;
    # no augmentation: the fake digits are told apart by the position of a bar
    "ann": {"epochs": 3, "learning_rate": 1e-3, "threads": 1},
    "cnn-s1": {
        "epochs": 4,
        "channels": (8, 16, 32),
        "hidden": 32,
        "learning_rate": 3e-3,
        "batch_size": 16,
        "threads": 1,
    },
    "cnn-s2": {"epochs": 3, "threads": 1},
    "cnn-s3": {"epochs": 3, "channels": (8, 16), "hidden": 32, "batch_size": 32, "threads": 1},
    "vgg16": {
        "epochs": 6,
        "channels": (8, 16, 16, 32, 32),
        "hidden": 128,
        "batch_size": 16,
        "learning_rate": 2e-3,
        "threads": 1,
    },
    "lenet5": {"epochs": 5, "batch_size": 32, "threads": 1},
    "fast-cnn": {
        "epochs": 4,
        "channels": (8, 16, 32),
        "batch_size": 16,
        "optimizer": "adam",
        "augment": False,
        "schedule": "constant",
        "learning_rate": 3e-3,
        "threads": 1,
    },
}
