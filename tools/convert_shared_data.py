"""Convert the original benchmark files into skadapt's bundled ``.npz`` arrays.

A developer tool, run once; skadapt never reads the original files at run time. It
writes compressed arrays to ``skadapt/datasets/data/`` and checks that the stored
form gives back the original values (exactly, except USPS; see below)::

    python tools/convert_shared_data.py --shared DIR [--out DIR]

``--shared`` (required) is a folder holding the original files, one sub-folder per
dataset as their sources lay them out: ``office_caltech10_surf/``
(``*_SURF_L10.mat``), ``office_caltech10_surf_splits/``
(``SameCategory_<src>-<tgt>_20RandomTrials_10Categories.mat``),
``amazon_review_400/`` (``<domain>_400.mat``), ``mnist_usps/``
(``MNIST_vs_USPS.mat``, ``USPS_vs_MNIST.mat``) and ``islp_tabular/``
(``Auto.csv``, ``Bikeshare.csv``). Where each file comes from (repository and
commit), its citation and licence: ``skadapt/datasets/data/README.md``.

Stored forms (each a lossless or documented re-encoding of the original):

- ``office_caltech_surf.npz``: per domain ``<domain>_X`` (n, 800) uint8 SURF
  bag-of-words counts and ``<domain>_y`` uint8 classes 0..9 (original 1..10).
- ``office_caltech_splits.npz``: for each ordered pair ``<src>-<tgt>``, the 20
  trials' training rows, ``<src>-<tgt>_source`` (20, n) and ``<src>-<tgt>_target``
  (20, 30) uint16, 0-based (the originals are MATLAB 1-based). The original test
  target rows are exactly the target rows not in the training target rows, and the
  test source rows the complement of the training source rows; this script checks
  both, so they are not stored.
- ``amazon_reviews_400.npz``: per domain ``<domain>_counts`` (n, 400) uint8 and
  ``<domain>_y`` uint8 (0 negative, 1 positive). Every original row sums to 1 and is
  an integer vector divided by its sum, so ``counts / counts.sum(1)`` gives back the
  original float64 features bit for bit (checked).
- ``mnist_usps.npz``: ``mnist_X`` (2000, 256) uint8 with ``X = mnist_X / 256``
  (exact), ``usps_X`` (1800, 256) uint32 with ``X = usps_X / 2e6`` (the original
  values lie on that grid up to one unit in the last place, 1.1e-16), and
  ``<domain>_y`` uint8 digits 0..9 (original labels 1..10 are digits 0..9: label 1
  is a zero). Samples are rows (the originals are stored features x samples).
- ``auto.npz``: ``X`` (392, 6) float64 cylinders, displacement, horsepower, weight,
  acceleration, year; ``y`` mpg; ``origin`` uint8 (1 USA, 2 Europe, 3 Japan).
- ``bikeshare.npz``: ``hr``, ``holiday``, ``workingday``, ``season`` uint8;
  ``weathersit`` uint8 code 0..3 (clear, cloudy/misty, light rain/snow, heavy
  rain/snow); ``weather`` float64 (n, 4) temp, atemp, hum, windspeed (normalised
  as in the original file); ``bikers`` uint16 counts.
"""

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import io as sio

OFFICE_FILES = {
    "amazon": "amazon_SURF_L10.mat",
    "caltech": "Caltech10_SURF_L10.mat",
    "dslr": "dslr_SURF_L10.mat",
    "webcam": "webcam_SURF_L10.mat",
}
AMAZON_DOMAINS = ["books", "dvd", "elec", "kitchen"]
WEATHERSIT = ["clear", "cloudy/misty", "light rain/snow", "heavy rain/snow"]


def _zero_based(matlab_index):
    """MATLAB 1-based indices (any shape) as a flat 0-based int64 array."""
    return np.asarray(matlab_index).ravel().astype(np.int64) - 1


def convert_office(shared, out):
    """Office-Caltech10 SURF counts and the 20-trial splits."""
    arrays, sizes = {}, {}
    for dom, fname in OFFICE_FILES.items():
        m = sio.loadmat(shared / "office_caltech10_surf" / fname)
        X, y = m["fts"], m["labels"].ravel()
        assert X.dtype == np.uint8 and X.shape[1] == 800
        assert y.min() == 1 and y.max() == 10
        arrays[f"{dom}_X"] = X
        arrays[f"{dom}_y"] = (y - 1).astype(np.uint8)
        sizes[dom] = X.shape[0]
    np.savez_compressed(out / "office_caltech_surf.npz", **arrays)

    splits = {}
    for src in OFFICE_FILES:
        for tgt in OFFICE_FILES:
            if src == tgt:
                continue
            fname = f"SameCategory_{src}-{tgt}_20RandomTrials_10Categories.mat"
            m = sio.loadmat(shared / "office_caltech10_surf_splits" / fname)
            train, test = m["train"][0, 0], m["test"][0, 0]
            rows = {}
            for role, dom in (("source", src), ("target", tgt)):
                tr = [_zero_based(a) for a in train[role][0]]
                te = [_zero_based(a) for a in test[role][0]]
                assert len(tr) == 20 and len({a.size for a in tr}) == 1
                for a, b in zip(tr, te):
                    assert a.min() >= 0 and max(a.max(), b.max()) < sizes[dom]
                    assert np.intersect1d(a, b).size == 0
                    # the test rows are exactly the complement of the training rows
                    rest = np.setdiff1d(np.arange(sizes[dom]), a)
                    assert np.array_equal(np.sort(b), rest)
                rows[role] = np.stack([np.sort(a) for a in tr]).astype(np.uint16)
            y_tgt = arrays[f"{tgt}_y"]
            for r in rows["target"]:
                assert np.bincount(y_tgt[r], minlength=10).tolist() == [3] * 10
            splits[f"{src}-{tgt}_source"] = rows["source"]
            splits[f"{src}-{tgt}_target"] = rows["target"]
    np.savez_compressed(out / "office_caltech_splits.npz", **splits)


def convert_amazon(shared, out):
    """Amazon reviews 400-d: integer counts whose row-normalisation is the original."""
    arrays = {}
    for dom in AMAZON_DOMAINS:
        m = sio.loadmat(shared / "amazon_review_400" / f"{dom}_400.mat")
        X, y = m["fts"], m["labels"].ravel()
        smallest = np.where(X > 0, X, np.inf).min(axis=1)
        counts = np.rint(X * np.rint(1.0 / smallest)[:, None])
        assert counts.max() <= 255
        counts = counts.astype(np.uint8)
        back = counts / counts.sum(axis=1, keepdims=True, dtype=np.float64)
        assert np.array_equal(back, X), dom
        arrays[f"{dom}_counts"] = counts
        arrays[f"{dom}_y"] = y.astype(np.uint8)
    np.savez_compressed(out / "amazon_reviews_400.npz", **arrays)


def convert_digits(shared, out):
    """MNIST and USPS as integer grids; samples as rows."""
    m = sio.loadmat(shared / "mnist_usps" / "MNIST_vs_USPS.mat")
    other = sio.loadmat(shared / "mnist_usps" / "USPS_vs_MNIST.mat")
    assert np.array_equal(m["X_src"], other["X_tar"])
    assert np.array_equal(m["X_tar"], other["X_src"])
    mnist, usps = m["X_src"].T, m["X_tar"].T
    mnist_int = np.rint(mnist * 256)
    assert np.array_equal(mnist_int / 256, mnist) and mnist_int.max() <= 255
    usps_int = np.rint(usps * 2e6)
    assert np.abs(usps_int / 2e6 - usps).max() < 1e-15
    np.savez_compressed(
        out / "mnist_usps.npz",
        mnist_X=mnist_int.astype(np.uint8),
        mnist_y=(m["Y_src"].ravel() - 1).astype(np.uint8),
        usps_X=usps_int.astype(np.uint32),
        usps_y=(m["Y_tar"].ravel() - 1).astype(np.uint8),
    )


def convert_tabular(shared, out):
    """ISLP Auto (by origin) and Bikeshare (by season)."""
    auto = pd.read_csv(shared / "islp_tabular" / "Auto.csv")
    cols = ["cylinders", "displacement", "horsepower", "weight", "acceleration", "year"]
    np.savez_compressed(
        out / "auto.npz",
        X=auto[cols].to_numpy(dtype=np.float64),
        y=auto["mpg"].to_numpy(dtype=np.float64),
        origin=auto["origin"].to_numpy().astype(np.uint8),
    )
    bike = pd.read_csv(shared / "islp_tabular" / "Bikeshare.csv")
    codes = bike["weathersit"].map({w: i for i, w in enumerate(WEATHERSIT)})
    assert not codes.isna().any(), sorted(set(bike["weathersit"]))
    assert (bike["casual"] + bike["registered"] == bike["bikers"]).all()
    np.savez_compressed(
        out / "bikeshare.npz",
        hr=bike["hr"].to_numpy().astype(np.uint8),
        holiday=bike["holiday"].to_numpy().astype(np.uint8),
        workingday=bike["workingday"].to_numpy().astype(np.uint8),
        weathersit=codes.to_numpy().astype(np.uint8),
        weather=bike[["temp", "atemp", "hum", "windspeed"]].to_numpy(np.float64),
        season=bike["season"].to_numpy().astype(np.uint8),
        bikers=bike["bikers"].to_numpy().astype(np.uint16),
    )


def main():
    """Parse arguments and convert every dataset."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared",
        type=Path,
        required=True,
        help="folder of the original files, one sub-folder per dataset (see above)",
    )
    root = Path(__file__).resolve().parents[1]
    parser.add_argument(
        "--out", type=Path, default=root / "skadapt" / "datasets" / "data"
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    convert_office(args.shared, args.out)
    convert_amazon(args.shared, args.out)
    convert_digits(args.shared, args.out)
    convert_tabular(args.shared, args.out)
    for f in sorted(args.out.glob("*.npz")):
        print(f"{f.name:28s} {f.stat().st_size / 1e3:8.1f} kB")


if __name__ == "__main__":
    main()
