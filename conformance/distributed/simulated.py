"""refimpl's simulated data-parallel run as a measurement, judged by the same clauses as Keras's real ones."""

from __future__ import annotations

from pathlib import Path

from conformance.distributed import probe


def measure_simulated(workdir: str | Path, replicas: int = 2) -> dict:
    """The probe's fit on refimpl: a single-process reference, then `replicas` simulated processes.

    Returns:
        The shape `conformance.distributed.harness.measure` returns, with the one run `"sim"`.
    """
    import time

    import refimpl
    from refimpl import distribution
    from refimpl.testing import simulated_data_parallel

    work = Path(workdir)
    started = time.monotonic()

    def fit(name: str) -> dict:
        out = work / name
        out.mkdir(parents=True, exist_ok=True)
        refimpl.utils.set_random_seed(probe.SEED)
        trace = probe.record_fit(refimpl, probe.data(), probe.BATCH, out)
        return {"dir": name, "process_index": distribution.process_index(),
                "process_count": distribution.process_count(), **trace}

    reference = fit("single")
    traces = simulated_data_parallel(lambda role: fit(f"sim{role.index}"), replicas=replicas)
    files = probe.verify([str(work / t["dir"]) for t in traces], keras=refimpl)
    return {"reference": reference, "runs": {"sim": traces}, "files": files,
            "global_steps": probe.STEPS, "epochs": probe.EPOCHS, "seconds": round(time.monotonic() - started, 1)}
