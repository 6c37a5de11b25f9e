"""The same dbt project on other engines: PostgreSQL (postgres.py) and Apache Spark (spark.py)."""
