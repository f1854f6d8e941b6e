"""Property-based tests of the data contract and of CORAL's invariants."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skadapt import CORAL, pack_domains, unpack_domains
from skadapt.utils import check_sample_domain

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@st.composite
def two_domains(draw):
    d = draw(st.integers(1, 5))
    n_s = draw(st.integers(d + 2, 30))
    n_t = draw(st.integers(d + 2, 30))
    Xs = draw(arrays(np.float64, (n_s, d), elements=finite))
    Xt = draw(arrays(np.float64, (n_t, d), elements=finite))
    ys = draw(arrays(np.int64, n_s, elements=st.integers(0, 3)))
    return Xs, ys, Xt


@settings(max_examples=40, deadline=None)
@given(two_domains())
def test_pack_unpack_roundtrip(data):
    Xs, ys, Xt = data
    X, y, sd = pack_domains(Xs, ys, Xt)
    assert np.array_equal(check_sample_domain(None, y, len(y)), sd)
    Xs2, ys2, Xt2, yt2 = unpack_domains(X, y, sd)
    assert np.array_equal(Xs2, Xs) and np.array_equal(ys2, ys)
    assert np.array_equal(Xt2, Xt) and np.all(yt2 == -1)


@settings(max_examples=40, deadline=None)
@given(two_domains(), st.sampled_from(["auto", 0.1, 1.0]))
def test_coral_moves_source_mean_onto_target_and_keeps_target(data, reg):
    Xs, ys, Xt = data
    X, y, sd = pack_domains(Xs, ys, Xt)
    out = CORAL(reg=reg).fit_transform(X, y)
    assert np.all(np.isfinite(out))
    np.testing.assert_array_equal(out[sd < 0], Xt)
    scale = 1.0 + np.abs(X).max()
    # the map is affine with offset mu_t - mu_s A, so the mapped mean is mu_t
    np.testing.assert_allclose(
        out[sd > 0].mean(0), Xt.mean(0), atol=1e-6 * scale * (1 + np.abs(out).max())
    )
