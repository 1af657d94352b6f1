"""Questions beyond one trace, one module each (reach, exposure, check, diff), built on `evaluate`.

May import `flightpath.evaluate`, `flightpath.topology`, `flightpath.snapshot`, `flightpath.model`.
"""
