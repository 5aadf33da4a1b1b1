"""Spark (local[2]): code_dataframe gives the same results as the engine in a single process.

(The local batch is checked against the same single-process reference in test_batch_run.py.)
"""
from __future__ import annotations

import json
import os
import shutil
import sys

import pytest

pytestmark = pytest.mark.spark
pyspark = pytest.importorskip("pyspark")


@pytest.fixture(scope="module")
def spark():
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java (17) on the machine")
    from pyspark.sql import SparkSession

    # Executors' Python workers must be this interpreter (the one with clincode installed).
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (SparkSession.builder.master("local[2]").appName("clincode-batch-test")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
               .config("spark.driver.memory", "1g").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_spark_results_equal_single_process_results(spark, settings, short_texts, batch_helpers, tmp_path,
                                                     reference):
    from clincode.batch.spark import RESULT_COLUMNS, code_dataframe

    docs = short_texts[50:62]  # (within the reference's 64)
    rows = [(doc_id, text, n) for n, (doc_id, text) in enumerate(docs)] + [("blank", "", 98), ("none", None, 99)]
    df = spark.createDataFrame(rows, "id string, text string, ward int").repartition(2)
    coded = code_dataframe(df, settings=settings)
    assert coded.columns == ["id", "text", "ward", *RESULT_COLUMNS]  # input columns kept, results added
    got = {r["id"]: r.asDict() for r in coded.collect()}

    expected = reference[0]  # the engine, coding them one by one in one process
    assert set(got) == {i for i, _ in docs} | {"blank", "none"}
    spark_lines = {i: got[i]["coding_json"] for i, _ in docs}
    batch_helpers.assert_same_coding(spark_lines, expected, settings, docs)
    for doc_id, _ in docs:
        row = got[doc_id]
        episode = json.loads(row["coding_json"])
        assert row["diagnoses"] == [d["code"] for d in episode["diagnoses"]]
        assert row["procedures"] == [p["code"] for p in episode["procedures"]]
        assert row["primary_diagnosis"] == next((d["code"] for d in episode["diagnoses"] if d["primary"]), None)
        assert row["queries"] == len(episode["queries"]) and row["coding_error"] is None
    for doc_id in ("blank", "none"):
        assert got[doc_id]["coding_error"].startswith("empty:") and got[doc_id]["coding_json"] is None


def test_clear_errors_for_missing_and_clashing_columns(spark, settings):
    from clincode.batch.spark import code_dataframe

    df = spark.createDataFrame([("a", "Angina.", "I20.9")], "note_id string, text string, diagnoses string")
    with pytest.raises(ValueError, match="no column 'id'.*note_id"):
        code_dataframe(df, settings=settings)
    with pytest.raises(ValueError, match="already has diagnoses.*prefix"):
        code_dataframe(df, id_col="note_id", settings=settings)
    out = code_dataframe(df, id_col="note_id", settings=settings, prefix="clincode_")
    row = out.collect()[0]
    assert row["diagnoses"] == "I20.9" and json.loads(row["clincode_coding_json"])["id"] == "a"


def test_integer_ids_with_nulls_and_binary_text(spark, settings):
    from clincode.batch.spark import code_dataframe

    df = spark.createDataFrame([(7, bytearray("Angina.", "utf-8")), (None, bytearray(b"Gout.")),
                                (9, bytearray(b"caf\xe9"))], "note_id long, body binary")
    got = {bytes(r["body"]): r for r in code_dataframe(df, text_col="body", id_col="note_id",
                                                        settings=settings).collect()}
    assert json.loads(got[b"Angina."]["coding_json"])["id"] == "7"  # not "7.0"
    assert got[b"Gout."]["coding_error"].startswith("missing_id")
    assert got[b"caf\xe9"]["coding_error"].startswith("encoding")
