"""Batch coding: a folder, a JSON Lines or a Parquet file of documents, or a Spark DataFrame.

Public surface:
    run_batch(input_path, output, workers=..., ...) -> BatchReport   (resumable, exactly once)
    BatchInputError, CheckpointMismatch, EngineLoadError            (clear errors for bad input)
    code_dataframe(df, text_col="text", id_col="id", ...)            (Spark; clincode.batch.spark)

Every document is coded by ``clincode.batch.outcome.code_document``, in a worker process or a
Spark executor alike, so the local batch and Spark give the same results.
"""
from .checkpoint import CheckpointMismatch
from .pool import EngineLoadError
from .runner import BatchReport, run_batch
from .sources import BatchInputError


def __getattr__(name: str):
    # pyspark is heavy: import it only when the Spark entry point is asked for.
    if name == "code_dataframe":
        from .spark import code_dataframe

        return code_dataframe
    raise AttributeError(name)


__all__ = ["run_batch", "BatchReport", "BatchInputError", "CheckpointMismatch", "EngineLoadError",
           "code_dataframe"]
