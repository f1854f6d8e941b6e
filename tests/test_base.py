"""The data contract: masks, sample_domain validation, pack/unpack."""

import numpy as np
import pytest
import sklearn

from skadapt import pack_domains, unpack_domains
from skadapt.utils import check_sample_domain, labelled_mask


def test_import_changes_no_global_config():
    import importlib

    import skadapt

    before = sklearn.get_config()
    importlib.reload(skadapt)
    assert sklearn.get_config() == before


@pytest.mark.parametrize(
    "y, expected",
    [
        (np.array([0, 1, -1, 2]), [True, True, False, True]),
        (np.array([0.5, np.nan, -1.0]), [True, False, True]),  # regression: NaN only
        (np.array([1.0, -1.0, 0.0]), [True, False, True]),  # class labels as floats
        (np.array([0.5, -1.0, 0.2]), [True, True, True]),  # real-valued: -1 is data
        (np.array(["a", "b"]), [True, True]),
        (np.array(["a", None, -1], dtype=object), [True, False, False]),
        (np.array([[1.0, np.nan], [1.0, 2.0]]), [False, True]),
    ],
)
def test_labelled_mask(y, expected):
    y_before = y.copy()
    np.testing.assert_array_equal(labelled_mask(y), expected)
    np.testing.assert_array_equal(y, y_before)  # never modified


def test_check_sample_domain_infers_from_y():
    y = np.array([0, 1, -1, -1])
    np.testing.assert_array_equal(check_sample_domain(None, y, 4), [1, 1, -1, -1])
    np.testing.assert_array_equal(
        check_sample_domain(None, None, 3, predict=True), [-1, -1, -1]
    )
    np.testing.assert_array_equal(check_sample_domain(None, None, 2), [1, 1])


def test_check_sample_domain_returns_a_copy():
    sd = np.array([1, 2, -1])
    out = check_sample_domain(sd, n_samples=3)
    out[0] = 5
    assert sd[0] == 1
    np.testing.assert_array_equal(
        check_sample_domain([1.0, -2.0], n_samples=2), [1, -2]
    )


@pytest.mark.parametrize(
    "sd, match",
    [
        ([1, -1], "has 2 entries but X has 3 rows"),
        ([[1, -1, 1]], "one-dimensional"),
        ([1, 0, -1], "contains the id 0"),
        ([1.5, -1, 1], "non-integer"),
        ([1, np.nan, -1], "NaN or infinity"),
        (["a", "b", "c"], "integer domain ids"),
        ([True, False, True], "integer domain ids"),
    ],
)
def test_check_sample_domain_errors(sd, match):
    with pytest.raises(ValueError, match=match):
        check_sample_domain(sd, None, 3)


def test_pack_unpack_roundtrip_multi_source():
    rng = np.random.RandomState(0)
    Xs1, Xs2, Xt = rng.rand(3, 2), rng.rand(2, 2), rng.rand(4, 2)
    ys1, ys2 = np.array([0, 1, 0]), np.array([1, 1])
    X, y, sd = pack_domains([Xs1, Xs2], [ys1, ys2], Xt)
    np.testing.assert_array_equal(sd, [1, 1, 1, 2, 2, -1, -1, -1, -1])
    np.testing.assert_array_equal(y, [0, 1, 0, 1, 1, -1, -1, -1, -1])
    Xs, ys, Xt2, yt = unpack_domains(X, y, sd)
    np.testing.assert_array_equal(Xs, np.vstack([Xs1, Xs2]))
    np.testing.assert_array_equal(Xt2, Xt)
    np.testing.assert_array_equal(yt, [-1] * 4)


def test_pack_regression_masks_with_nan_and_keeps_given_target_labels():
    X, y, sd = pack_domains(np.zeros((2, 1)), [0.5, 1.5], np.ones((2, 1)))
    assert np.isnan(y[2:]).all()
    X, y, sd = pack_domains(np.zeros((2, 1)), [0, 1], np.ones((1, 1)), [1])
    np.testing.assert_array_equal(y, [0, 1, 1])
    np.testing.assert_array_equal(sd, [1, 1, -1])


def test_pack_errors():
    with pytest.raises(ValueError, match="different numbers of features"):
        pack_domains(np.zeros((2, 2)), [0, 1], np.zeros((2, 3)))
    with pytest.raises(ValueError, match="labels have 3"):
        pack_domains(np.zeros((2, 2)), [0, 1, 1], np.zeros((2, 2)))
