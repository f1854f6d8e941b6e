"""One BLAS thread for every test and doctest (a root conftest reaches both).

Many tests fit small models (L-BFGS on tens of rows); with several BLAS threads on
a busy machine each tiny product pays thread wake-ups, and the family's tests ran
about 13x slower (195 s instead of 15 s on 2 shared cores).
"""

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with threadpool_limits(limits=1, user_api="blas"):
        yield
