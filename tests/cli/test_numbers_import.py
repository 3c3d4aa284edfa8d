"""`exopool numbers import`: batched bulk loading, all or nothing, on every engine."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from exopool.cli import main
from exopool.config import Settings
from exopool.db import Database
from exopool.models import PhoneNumber

BATCH = 100
ROWS = BATCH * 2 + 50  # three batches, the last one partial


def write_csv(path: Path, numbers: list[str]) -> Path:
    lines = ["phone_number,cluster,type,region"] + [f"{number},in,Landline,KA" for number in numbers]
    path.write_text("\n".join(lines) + "\n")
    return path


def landlines(count: int) -> list[str]:
    return [f"+918048{i:06d}" for i in range(count)]


def run_import(settings: Settings, path: Path):  # type: ignore[no-untyped-def]
    env = {"EXOPOOL_DATABASE_URL": settings.database_url, "EXOPOOL_DATA_DIR": settings.data_dir,
           "EXOPOOL_SECRET_KEY": settings.secret_key}
    return CliRunner().invoke(main, ["numbers", "import", str(path), "--batch-size", str(BATCH)], env=env)


def pool_size(db: Database) -> int:
    return db.transact(lambda conn: conn.execute(select(func.count()).select_from(PhoneNumber)).scalar_one())


def test_import_loads_every_row_across_batches(settings: Settings, db: Database, tmp_path: Path) -> None:
    result = run_import(settings, write_csv(tmp_path / "pool.csv", landlines(ROWS)))
    assert result.exit_code == 0, result.output
    assert f"imported {ROWS} numbers" in result.output
    assert pool_size(db) == ROWS


def test_a_bad_row_in_a_late_batch_imports_nothing_and_names_every_bad_line(
    settings: Settings, db: Database, tmp_path: Path,
) -> None:
    numbers = landlines(ROWS)
    numbers[BATCH * 2 + 10] = "+91804833"  # too short
    numbers[BATCH * 2 + 20] = numbers[3]  # a repeat, far from the first
    result = run_import(settings, write_csv(tmp_path / "pool.csv", numbers))
    assert result.exit_code == 1
    assert f"line {BATCH * 2 + 12}:" in result.output
    assert f"line {BATCH * 2 + 22}: {numbers[3]} repeats line 5" in result.output
    assert pool_size(db) == 0


def test_numbers_already_in_the_database_are_rejected(settings: Settings, db: Database, tmp_path: Path) -> None:
    assert run_import(settings, write_csv(tmp_path / "first.csv", landlines(10))).exit_code == 0
    result = run_import(settings, write_csv(tmp_path / "second.csv", landlines(12)))
    assert result.exit_code == 1
    assert "line 2: +918048000000 is already in the database" in result.output
    assert pool_size(db) == 10


def test_a_region_longer_than_its_column_is_a_bad_row_on_either_engine(
    settings: Settings, db: Database, tmp_path: Path,
) -> None:
    path = tmp_path / "us.csv"
    path.write_text("phone_number,cluster,type,region\n+14155552671,sg,Landline,CALIFORNIA\n"
                    "+14155552672,sg,Landline,CA\n")
    result = run_import(settings, path)
    assert result.exit_code == 1, result.output
    assert "line 2: region must be at most 8 characters" in result.output
    assert pool_size(db) == 0
