"""Site-wide full-text search: an embedded tantivy (BM25) index fed from the database."""
