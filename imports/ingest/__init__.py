"""Ingestion of data files: one parser per kind (es003, fees, hts, imports here; aes, exports in the exports
app), found through a small registry. See pipeline.ingest_file for the whole load of one file."""
