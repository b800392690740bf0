"""minimize(executor=...) and minimize(vectorized=True): the same run whatever the way of evaluating."""

import math
import multiprocessing
import pickle
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest
from helpers import deep_equal

from asng_opt import Categorical, Gaussian, Product, minimize
from asng_opt.minimize import ObjectiveError

SPACE = Product({"c": Categorical([4] * 6), "g": Gaussian(np.zeros(3), low=-2.0, high=2.0)})
RUN = dict(max_evals=96, seed=3, lam=6)
#: minimize's configurations of ASNG: the black-box default (None) and the paper's
CONFIGS = [None, "paper"]


def objective(x):
    """Module-level, so that a process pool can pickle it."""
    return float(np.sum(x["c"] != 2) + np.sum((x["g"] - 0.5) ** 2))


def flaky(x):
    """Fails on some samples (decided by the sample, not by the call order)."""
    if x["c"][0] == 1:
        raise RuntimeError(f"simulator crashed on {int(x['c'][1])}")
    if x["c"][1] == 3:
        return math.nan
    return objective(x)


def always_fails(x):
    raise ValueError("no licence")


def vectorized_objective(batch):
    return np.sum(batch["c"] != 2, axis=1) + np.sum((batch["g"] - 0.5) ** 2, axis=1)


def summary(res):
    return {
        "x": res.x,
        "fun": res.fun,
        "n_evals": res.n_evals,
        "stop_reason": res.stop_reason,
        "n_restarts": res.n_restarts,
        "history": res.history,
        "state": res.optimizer.state_dict(),
    }


@pytest.fixture(scope="module")
def process_pool():
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool


@pytest.fixture(scope="module")
def thread_pool():
    with ThreadPoolExecutor(max_workers=3) as pool:
        yield pool


@pytest.fixture(scope="module")
def dask_executor():
    distributed = pytest.importorskip("dask.distributed")
    with (
        distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client.get_executor()


@pytest.fixture(params=["threads", "processes", "dask"])
def executor(request):
    return request.getfixturevalue(
        {"threads": "thread_pool", "processes": "process_pool", "dask": "dask_executor"}[request.param]
    )


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("fun", [objective, flaky], ids=["clean", "failing"])
def test_executor_gives_the_serial_run(executor, fun, config):
    serial = minimize(fun, SPACE, config=config, **RUN)
    parallel = minimize(fun, SPACE, executor=executor, config=config, **RUN)
    assert type(serial.optimizer).__name__ == ("ASNG" if config else "BlackBoxASNG")
    assert deep_equal(summary(parallel), summary(serial))
    if fun is flaky:
        failures = [msg for h in serial.history for _, msg in h["failures"]]
        assert any(msg.startswith("RuntimeError: simulator crashed") for msg in failures)
        assert any(msg == "objective returned nan" for msg in failures)


def test_all_failed_first_round_raises_through_an_executor(executor):
    with pytest.raises(ObjectiveError, match="first round.*ValueError: no licence") as info:
        minimize(always_fails, SPACE, executor=executor, **RUN)
    assert isinstance(info.value.__cause__, ValueError)
    assert info.value.result.stop_reason == "failed" and info.value.result.n_evals == RUN["lam"]


def test_executor_is_not_shut_down_by_minimize(thread_pool):
    minimize(objective, SPACE, executor=thread_pool, **RUN)
    assert thread_pool.submit(lambda: 1).result() == 1


def test_shut_down_executor_raises_at_once():
    pool = ThreadPoolExecutor(max_workers=2)
    pool.shutdown()
    with pytest.raises(ObjectiveError, match="refused.*shut down") as info:
        minimize(objective, SPACE, executor=pool, **RUN)
    assert isinstance(info.value.__cause__, RuntimeError)
    assert info.value.result.n_evals == 0 and info.value.result.history == []


def test_lambda_with_a_process_pool_is_refused_with_advice(process_pool):
    with pytest.raises(ValueError, match="cannot be pickled.*module-level function.*ThreadPoolExecutor"):
        minimize(lambda x: 0.0, SPACE, executor=process_pool, **RUN)


class PicklingExecutor(ThreadPoolExecutor):
    """Pickles each call, as MPI-style executors do: in submit, or in the worker."""

    def __init__(self, in_submit):
        super().__init__(max_workers=1)
        self.in_submit = in_submit

    def submit(self, fn, /, *args, **kwargs):
        if self.in_submit:
            pickle.dumps(fn)
            return super().submit(fn, *args, **kwargs)
        return super().submit(lambda: pickle.loads(pickle.dumps(fn))(*args))


@pytest.mark.parametrize("in_submit", [True, False], ids=["submit", "worker"])
def test_unpicklable_objective_on_other_executors_says_so(in_submit):
    with PicklingExecutor(in_submit) as pool, pytest.raises(ObjectiveError) as info:
        minimize(lambda x: 0.0, SPACE, executor=pool, **RUN)
    assert "pickle" in str(info.value) and "module level" in str(info.value) and "ThreadPoolExecutor" in str(info.value)


@pytest.mark.parametrize("bad", [object(), "threads", 4])
def test_executor_without_submit_is_refused(bad):
    with pytest.raises(ValueError, match="executor must be a concurrent.futures.Executor"):
        minimize(objective, SPACE, executor=bad, **RUN)


def test_executor_and_vectorized_are_refused_together(thread_pool):
    with pytest.raises(ValueError, match="cannot be combined"):
        minimize(vectorized_objective, SPACE, executor=thread_pool, vectorized=True, **RUN)


def test_keyboard_interrupt_cancels_pending_futures_and_keeps_partial_result():
    calls = []
    lock = threading.Lock()

    def f(c):
        with lock:
            calls.append(1)
            n = len(calls)
        if n == 9:  # first evaluation of round 2
            raise KeyboardInterrupt
        time.sleep(0.01)
        return float(np.sum(c != 2))

    with ThreadPoolExecutor(max_workers=1) as pool:
        with pytest.raises(KeyboardInterrupt) as info:
            minimize(f, Categorical([4] * 6), executor=pool, max_evals=80, seed=0, lam=8)
        res = info.value.result
        assert pool.submit(lambda: 2).result() == 2  # still usable
    assert res.stop_reason == "interrupted" and len(res.history) == res.n_iterations == 1
    assert len(calls) <= 8 + 3  # round 2's pending evaluations were cancelled
    assert 8 <= res.n_evals <= len(calls) - 1  # round 1, and what of round 2 had finished
    assert res.fun == min(res.history[0]["values"]) or res.n_evals > 8


class _CtrlCFuture:
    """A pool's future whose ``result()`` raises KeyboardInterrupt, as Ctrl-C does while the main
    thread waits on it (deterministic: a real ``_thread.interrupt_main()`` from a worker reaches
    the main thread whenever it next runs Python code, which under load was once after the run)."""

    def __init__(self, future, interrupt):
        self.future, self.interrupt = future, interrupt

    def result(self, timeout=None):
        if self.interrupt:
            raise KeyboardInterrupt
        return self.future.result(timeout)

    def cancel(self):
        return self.future.cancel()

    def done(self):
        return self.future.done()

    def cancelled(self):
        return self.future.cancelled()


def test_ctrl_c_while_waiting_on_futures():
    calls = []

    def slow(c):
        calls.append(1)
        time.sleep(0.05)
        return float(np.sum(c != 2))

    class CtrlCOnTwelfth:  # Ctrl-C while minimize waits on the 12th future (in the second round or later)
        def __init__(self, pool):
            self.pool, self.n = pool, 0

        def submit(self, fn, *args):
            self.n += 1
            return _CtrlCFuture(self.pool.submit(fn, *args), self.n == 12)

    with ThreadPoolExecutor(max_workers=2) as pool:
        with pytest.raises(KeyboardInterrupt) as info:
            minimize(slow, Categorical([4] * 6), executor=CtrlCOnTwelfth(pool), max_evals=40, seed=0, lam=8)
        pool.shutdown(wait=True)  # the round's cancelled futures never run; the others finish
        n_calls = len(calls)
    res = info.value.result
    assert res.stop_reason == "interrupted" and res.n_iterations >= 1
    assert 0 < res.n_evals <= n_calls < res.n_evals + 8  # a round's pending evaluations were cancelled
    assert len(res.history) == res.n_iterations and res.n_evals >= 8 * res.n_iterations


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("lam", [RUN["lam"], None])
def test_vectorized_gives_the_serial_run(config, lam):
    run = {**RUN, "lam": lam}
    serial = minimize(objective, SPACE, config=config, **run)
    batched = minimize(vectorized_objective, SPACE, vectorized=True, config=config, **run)
    assert deep_equal(summary(batched), summary(serial))


def test_vectorized_gets_the_batch_as_ask_returns_it():
    seen = []

    def f(c):
        seen.append(c)
        return list(np.sum(c != 2, axis=1).astype(float))  # a list is fine too

    res = minimize(f, Categorical([4] * 6), max_evals=20, seed=0, lam=4, vectorized=True, cache=False)
    assert all(isinstance(c, np.ndarray) and c.shape == (4, 6) for c in seen)
    assert res.n_evals == 20 and not any(h["failures"] for h in res.history)


def test_vectorized_bad_entries_fail_one_by_one():
    def f(c):
        y = np.sum(c != 2, axis=1).astype(float)
        y[1] = np.nan
        return [y[0], y[1], None, y[3]]

    res = minimize(f, Categorical([4] * 6), max_evals=12, seed=0, lam=4, vectorized=True)
    for h in res.history:
        assert [j for j, _ in h["failures"]] == [1, 2]
        assert h["failures"][0][1] == "objective returned nan" and "NoneType" in h["failures"][1][1]
        assert h["values"][1] is None and h["values"][0] is not None


@pytest.mark.parametrize(
    "returned, message",
    [
        (lambda c: np.zeros(3), r"ndarray of shape \(3,\), expected 4 values"),
        (lambda c: np.zeros((4, 1)), r"ndarray of shape \(4, 1\), expected 4 values"),
        (lambda c: [0.0] * 5, r"list of 5 values, expected lam=4"),
        (lambda c: 1.0, r"float 1.0, expected 4 values"),
    ],
)
def test_vectorized_wrong_shape_fails_the_round(returned, message):
    with pytest.raises(ObjectiveError, match="first round.*" + message) as info:
        minimize(returned, Categorical([4] * 6), max_evals=12, seed=0, lam=4, vectorized=True)
    (record,) = info.value.result.history
    assert [j for j, _ in record["failures"]] == [0, 1, 2, 3] and record["values"] == [None] * 4


def test_vectorized_exception_fails_each_evaluation_of_the_round():
    calls = []

    def f(c):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("batch crashed")
        return np.sum(c != 2, axis=1)

    res = minimize(f, Categorical([4] * 6), max_evals=12, seed=0, lam=4, vectorized=True)
    assert res.history[1]["failures"] == [(j, "RuntimeError: batch crashed") for j in range(4)]
    assert res.history[1]["values"] == [None] * 4 and res.n_evals == 12


def test_vectorized_must_be_a_bool():
    with pytest.raises(ValueError, match="vectorized must be True or False"):
        minimize(vectorized_objective, SPACE, vectorized="yes", **RUN)
