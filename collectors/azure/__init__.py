"""Azure: recognize.py (which documents are Azure ARM JSON) and normalize.py (→ model) with their pure
helper modules (arm, index, nsg, interfaces, gateways, routes, firewall, codes); fetch.py (live collection
with the Azure SDK; imported only by `flightpath collect azure`)."""
