"""Load benchmark, query counts and page-weight budget for Klantwijs (`python -m bench`)."""
