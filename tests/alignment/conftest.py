import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """Run the family's small dense problems on one BLAS thread.

    On a loaded shared machine, multi-threaded OpenBLAS spins: a 400 x 400 ``eigh``
    took 4 s on 2 threads against 0.05 s on one.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        yield
