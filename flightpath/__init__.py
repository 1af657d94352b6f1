"""flightpath: why can't A talk to B? A multi-cloud network path troubleshooter.

Public API (stable for scripts and the benchmark):

    from flightpath import load_snapshot, Flow, trace
    topo = load_snapshot("fixtures/kickstart-aws")
    result = trace(topo, Flow.parse("tcp", "10.1.1.10", "10.2.1.10", dst_port=443))
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["load_snapshot", "Flow", "trace", "__version__"]


def __getattr__(name: str):  # lazy: `flightpath --help` must not import the evaluator
    if name == "load_snapshot":
        from flightpath.topology import load_snapshot

        return load_snapshot
    if name == "Flow":
        from flightpath.model.flow import Flow

        return Flow
    if name == "trace":
        from flightpath.evaluate.tracing import trace

        return trace
    raise AttributeError(name)
