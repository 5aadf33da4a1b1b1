"""Batch coding: a folder, a JSON Lines or a Parquet file of documents, or a Spark DataFrame.

Public surface:
    run_batch(input_path, output, workers=..., ...) -> BatchReport   (resumable, exactly once)
    BatchInputError, CheckpointMismatch, EngineLoadError            (clear errors for bad input)
    code_dataframe(df, text_col="text", id_col="id", ...)            (Spark; clincode.batch.spark)

Every document is coded by ``clincode.batch.outcome.code_document``, in a worker process or a
Spark executor alike, so the local batch and Spark give the same results.
"""
from importlib import import_module

# Imported when first asked for: a worker process imports clincode.batch.pool (and so this package)
# but needs none of the reading, checkpoint and output modules, nor sqlite3 (~45 ms of each worker's
# start-up); pyspark is heavy and wanted only for the Spark entry point.
_EXPORTS = {
    "run_batch": ".runner", "BatchReport": ".runner", "BatchInputError": ".sources",
    "CheckpointMismatch": ".checkpoint", "EngineLoadError": ".pool", "code_dataframe": ".spark",
}


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(module, __name__), name)


__all__ = ["run_batch", "BatchReport", "BatchInputError", "CheckpointMismatch", "EngineLoadError",
           "code_dataframe"]
