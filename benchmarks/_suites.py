"""The benchmark suites of ``benchmarks/run.py``: tasks, metric and published rows.

Every task is one call of a bundled loader of ``skadapt.datasets`` (no network, no
files outside the package). The published numbers are copied here from the papers
(via ``shared/data/README.md`` and the datasets' SOURCE.md) with their citation, so
a run prints them beside what skadapt measures.
"""

from dataclasses import dataclass, field

import numpy as np

OFFICE_LETTERS = {"A": "amazon", "C": "caltech", "D": "dslr", "W": "webcam"}
# task order of the JDA / MEDA tables
OFFICE_TASKS = "C->A C->W C->D A->C A->W A->D W->C W->A W->D D->C D->A D->W".split()
AMAZON_LETTERS = {"B": "books", "D": "dvd", "E": "elec", "K": "kitchen"}
AMAZON_TASKS = "B->D B->E B->K D->B D->E D->K E->B E->D E->K K->B K->D K->E".split()

# Office-Caltech10 SURF, unsupervised, accuracy (%), full source domain; rows as
# gathered in shared/data/README.md.
OFFICE_PUBLISHED = {
    "1NN": [23.7, 25.8, 25.5, 26.0, 29.8, 25.5, 19.9, 23.0, 59.2, 26.3, 28.5, 63.4],
    "SVM": [53.1, 41.7, 47.8, 41.7, 31.9, 44.6, 28.8, 27.6, 78.3, 26.4, 26.2, 52.5],
    "PCA": [39.5, 34.6, 44.6, 39.0, 35.9, 33.8, 28.2, 29.1, 89.2, 29.7, 33.2, 86.1],
    "TCA": [45.6, 39.3, 45.9, 42.0, 40.0, 35.7, 31.5, 30.5, 91.1, 33.0, 32.8, 87.5],
    "GFK": [46.0, 37.0, 40.8, 40.7, 37.0, 40.1, 24.8, 27.6, 85.4, 29.3, 28.7, 80.3],
    "JDA": [43.1, 39.3, 49.0, 40.9, 38.0, 42.0, 33.0, 29.8, 92.4, 31.2, 33.4, 89.2],
    "CORAL": [52.1, 46.4, 45.9, 45.1, 44.4, 39.5, 33.7, 36.0, 86.6, 33.8, 37.7, 84.7],
    "MEDA": [56.5, 53.9, 50.3, 43.9, 53.2, 45.9, 34.0, 42.7, 88.5, 34.9, 41.2, 87.5],
}
# The averages as published; the SVM row's per-task values average 41.7, not the
# 41.1 given with them (the inconsistency is in the copied table, kept as is).
OFFICE_PUBLISHED_AVG = {
    "1NN": 31.4,
    "SVM": 41.1,
    "PCA": 43.6,
    "TCA": 46.2,
    "GFK": 43.1,
    "JDA": 46.8,
    "CORAL": 48.8,
    "MEDA": 52.7,
}
OFFICE_CITATION = (
    "Published rows: M. Long, J. Wang, G. Ding, J. Sun, P. S. Yu, Transfer feature "
    "learning with joint distribution adaptation, ICCV 2013 (1NN, SVM, PCA, TCA, "
    "GFK, JDA); B. Sun, J. Feng, K. Saenko, Return of frustratingly easy domain "
    "adaptation, AAAI 2016 (CORAL: 20-trial source subsamples, linear SVM); J. Wang, "
    "W. Feng, Y. Chen, H. Yu, M. Huang, P. S. Yu, Visual domain adaptation with "
    "manifold embedded distribution alignment, ACM MM 2018 (MEDA)."
)


@dataclass(frozen=True)
class Task:
    """One adaptation task: a loader call, and the trial for split protocols."""

    name: str
    loader: str
    source: object
    target: object
    trial: int | None = None

    def load(self):
        """``X, y, sample_domain, y_true`` from the bundled loader."""
        from skadapt import datasets

        loader = getattr(datasets, self.loader)
        if self.trial is None:
            return loader(self.source, self.target)
        return loader(self.source, self.target, trial=self.trial)


@dataclass(frozen=True)
class Suite:
    """A list of tasks sharing a metric and a table of published numbers."""

    name: str
    kind: str  # "classification" or "regression"
    setting: str  # "unsupervised" or "semi-supervised"
    description: str
    task_names: tuple
    quick_task_names: tuple
    n_trials: int = 1
    quick_trials: int = 1
    published: dict = field(default_factory=dict)
    published_avg: dict = field(default_factory=dict)
    citation: str = ""

    @property
    def metric(self):
        """``"accuracy"`` (%, higher is better) or ``"rmse"`` (lower is better)."""
        return "accuracy" if self.kind == "classification" else "rmse"

    @property
    def higher_is_better(self):
        """Whether a larger score is better."""
        return self.kind == "classification"

    def tasks(self, quick=False, n_trials=None):
        """The ``Task`` objects to run (every trial of every task)."""
        names = self.quick_task_names if quick else self.task_names
        trials = self.quick_trials if quick else self.n_trials
        if n_trials is not None:
            trials = min(n_trials, self.n_trials)
        out = []
        for name in names:
            loader, source, target = _TASK_SPECS[self.name](name)
            if self.setting == "semi-supervised":
                out += [Task(name, loader, source, target, k) for k in range(trials)]
            else:
                out.append(Task(name, loader, source, target))
        return out

    def score(self, y_true, y_pred):
        """Accuracy in % or root mean squared error."""
        if self.kind == "classification":
            return 100.0 * float(np.mean(y_true == y_pred))
        return float(np.sqrt(np.mean((y_true - y_pred) ** 2)))


def _office(name):
    s, t = name.split("->")
    return "load_office_caltech", OFFICE_LETTERS[s], OFFICE_LETTERS[t]


def _amazon(name):
    s, t = name.split("->")
    return "load_amazon_reviews", AMAZON_LETTERS[s], AMAZON_LETTERS[t]


def _digits(name):
    s, t = name.split("->")
    return "load_mnist_usps", s.lower(), t.lower()


def _regression(name):
    data, pair = name.split(" ")
    s, t = pair.split("->")
    loader = {"auto": "load_auto", "bike": "load_bikeshare"}[data]
    return loader, int(s), int(t)


_TASK_SPECS = {
    "office-caltech": _office,
    "semi-supervised": _office,
    "amazon": _amazon,
    "digits": _digits,
    "regression": _regression,
}

_AUTO_TASKS = tuple(f"auto {s}->{t}" for s in (1, 2, 3) for t in (1, 2, 3) if s != t)
_BIKE_TASKS = tuple(
    f"bike {s}->{t}" for s in (1, 2, 3, 4) for t in (1, 2, 3, 4) if s != t
)

SUITES = {
    "office-caltech": Suite(
        name="office-caltech",
        kind="classification",
        setting="unsupervised",
        description=(
            "Office-Caltech10 SURF (800-d), 12 tasks, unsupervised: every source "
            "row labelled, every target label masked; each domain's rows divided by "
            "their sum and z-scored per domain; accuracy on all target rows."
        ),
        task_names=tuple(OFFICE_TASKS),
        quick_task_names=("C->A", "A->W", "W->D"),
        published={k: dict(zip(OFFICE_TASKS, v)) for k, v in OFFICE_PUBLISHED.items()},
        published_avg=OFFICE_PUBLISHED_AVG,
        citation=OFFICE_CITATION,
    ),
    "semi-supervised": Suite(
        name="semi-supervised",
        kind="classification",
        setting="semi-supervised",
        description=(
            "Office-Caltech10 SURF, 12 tasks x 20 random trials (Hoffman et al. 2013 "
            "splits): 20 (amazon) or 8 labelled source rows per class and 3 labelled "
            "target rows per class; accuracy on the other target rows, mean over "
            "trials."
        ),
        task_names=tuple(OFFICE_TASKS),
        quick_task_names=("C->A", "A->W", "W->D"),
        n_trials=20,
        quick_trials=2,
        citation=(
            "Splits: J. Hoffman, E. Rodner, J. Donahue, K. Saenko, T. Darrell, "
            "Efficient learning of domain-invariant image representations, ICLR "
            "2013 (files of Jiaolong/DA-SVMs). No published row in this protocol "
            "is copied here."
        ),
    ),
    "amazon": Suite(
        name="amazon",
        kind="classification",
        setting="unsupervised",
        description=(
            "Amazon reviews, 400-d (Chen et al. 2012), 12 tasks, unsupervised; rows "
            "divided by their sum and z-scored per domain; accuracy on the target."
        ),
        task_names=tuple(AMAZON_TASKS),
        quick_task_names=("B->D", "E->K", "K->B"),
        published_avg={"1NN (check run)": 60.9, "LR C=0.1 (check run)": 76.3},
        citation=(
            "Reference averages from the check run in the dataset's SOURCE.md "
            "(EasyTL preprocessing), not a paper's table."
        ),
    ),
    "digits": Suite(
        name="digits",
        kind="classification",
        setting="unsupervised",
        description=(
            "USPS (1800) and MNIST (2000) 16x16 digits (JDA release), rows scaled "
            "to unit L2 norm; accuracy on the target."
        ),
        task_names=("usps->mnist", "mnist->usps"),
        quick_task_names=("usps->mnist", "mnist->usps"),
        published={"1NN": {"usps->mnist": 44.70, "mnist->usps": 65.94}},
        published_avg={"1NN": 55.32},
        citation=(
            "1NN row: M. Long et al., Transfer feature learning with joint "
            "distribution adaptation, ICCV 2013."
        ),
    ),
    "regression": Suite(
        name="regression",
        kind="regression",
        setting="unsupervised",
        description=(
            "Auto (predict mpg; domains = origin 1 USA, 2 Europe, 3 Japan; 6 tasks) "
            "and Bikeshare (predict log1p(bikers); domains = seasons 1..4; 12 "
            "tasks); features standardised on all rows; RMSE on the target."
        ),
        task_names=_AUTO_TASKS + _BIKE_TASKS,
        quick_task_names=("auto 1->3", "auto 3->1", "bike 1->3"),
        published={
            "StandardScaler+RidgeCV (check run)": {
                "auto 1->3": 5.34,
                "auto 3->1": 4.20,
                "bike 1->3": 0.661,
                "bike 3->1": 1.410,
            },
            "target 5-fold CV oracle (check run)": {
                "auto 1->3": 3.75,
                "auto 3->1": 2.93,
                "bike 1->3": 0.562,
                "bike 3->1": 0.629,
            },
        },
        citation=(
            "Reference RMSEs from the check run in the data's SOURCE.md (ISLP data; "
            "its Bikeshare feature set may differ slightly from skadapt's)."
        ),
    ),
}
