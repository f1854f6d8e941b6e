"""The benchmark suites of ``benchmarks/run.py``: tasks, metric and published rows.

Every task is one call of a bundled loader of ``skadapt.datasets`` (no network, no
files outside the package; provenance in ``skadapt/datasets/data/README.md``). The
published rows come from ``_published.py`` (each with its paper and table); the
reference averages of the Amazon and regression suites are check runs recorded
with the data, not papers, and are labelled so.
"""

from dataclasses import dataclass, field

import _published
import numpy as np

OFFICE_LETTERS = _published.LETTERS
OFFICE_TASKS = _published.TASKS
AMAZON_LETTERS = {"B": "books", "D": "dvd", "E": "elec", "K": "kitchen"}
AMAZON_TASKS = "B->D B->E B->K D->B D->E D->K E->B E->D E->K K->B K->D K->E".split()


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
        published={r.name: r.per_task for r in _published.OFFICE_CALTECH},
        published_avg={r.name: r.average for r in _published.OFFICE_CALTECH},
        citation=_published.citation(),
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
            "Reference averages from the check run recorded with the data "
            "(skadapt/datasets/data/README.md; EasyTL preprocessing), not a paper's "
            "table."
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
        published={
            "1NN": dict(
                zip(("usps->mnist", "mnist->usps"), _published.DIGITS_1NN.values)
            )
        },
        published_avg={"1NN": _published.DIGITS_1NN.average},
        citation=_published.citation([_published.DIGITS_1NN]),
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
            "Reference RMSEs from the check run recorded with the data "
            "(skadapt/datasets/data/README.md; ISLP data; its Bikeshare feature set "
            "may differ slightly from skadapt's)."
        ),
    ),
}
