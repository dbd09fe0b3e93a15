"""``kb bulk``: PubMed baseline and update files → the knowledge base, extracted on a Dask
cluster one file per task (``run``), each file's result kept as a shard (``shards``)."""
