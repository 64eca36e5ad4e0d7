"""All SQL lives in this package: one module per kind of row."""
