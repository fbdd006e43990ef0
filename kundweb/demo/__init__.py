"""Demo directory and demo data for `make run`."""
