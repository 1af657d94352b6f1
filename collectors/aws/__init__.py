"""AWS: recognize.py (which documents are AWS), normalize.py (→ model), fetch.py (boto3; live only)."""
