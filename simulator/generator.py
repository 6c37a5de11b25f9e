"""`generate`: a synthetic distributor's extracts in the contract's layout, deterministic for a seed."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path

from simulator import codes, text
from simulator.anomalies import check_labels_path, default_labels_path, plan_anomalies, write_labels
from simulator.distributor import ENTITY_BUILDERS, WORKER_SHARES, Distributor
from simulator.parameters import load_parameters
from simulator.world import World
from simulator.writer import FORMATS, clear_deliveries, plan_deliveries, write_reference, write_tasks

DEFAULT_START = dt.date(2026, 1, 5)  # a Monday; fixed so that output never depends on today's date
PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = PROJECT_ROOT / "seeds" / "sample_extracts"
REFERENCE_DIR = PROJECT_ROOT / "seeds" / "reference"
SAMPLE_CONFIG = Path(__file__).resolve().parent / "sample.yml"
# The bundled sample: `python -m simulator --sample` writes exactly this.
SAMPLE_SETTINGS = {"sites": 6, "days": 120, "start": DEFAULT_START, "seed": 7, "file_format": "csv"}

MAX_DAYS = 20_000  # day indices are kept in 16 bits

CODE_MAP_COLUMNS = ("domain", "source_code", "canonical_code", "source_system")
TRAINING_REQUIREMENT_COLUMNS = ("role", "course_id")


@dataclass(frozen=True)
class GenerationResult:
    rows: int
    files: int
    seconds: float
    labels_path: Path | None = None  # with anomalies: where their labels were written
    labels: int = 0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def generate(
    out_dir: Path,
    *,
    sites: int = 6,
    days: int = 365,
    start: dt.date | None = None,
    seed: int = 7,
    file_format: str = "csv",
    config: Path | None = None,
    workers: int | None = None,
    anomalies: bool = False,
    labels_path: Path | None = None,
) -> GenerationResult:
    """Write every contract entity plus the code_map and training_requirements reference tables.

    With `anomalies`, spikes, level shifts and silent data gaps are injected into the transactions
    (simulator/anomalies.py) and their labels written to `labels_path` (default `<out>.labels.csv`), which
    must lie outside `out_dir`.

    With `workers` = 2 (the default on a machine with two cores or more) a forked process builds and
    writes half of the entities; the files never depend on it.
    """
    began = time.perf_counter()
    if file_format not in FORMATS:
        raise ValueError(f"file_format must be one of {FORMATS}, not {file_format!r}")
    if sites < 1 or not 1 <= days <= MAX_DAYS:
        raise ValueError(f"sites must be at least 1 and days between 1 and {MAX_DAYS}")
    out_dir = Path(out_dir)
    if anomalies:
        labels_path = Path(labels_path) if labels_path is not None else default_labels_path(out_dir)
        check_labels_path(labels_path, out_dir)
    elif labels_path is not None:
        raise ValueError("a labels file is written only with anomalies")
    world = World.create(load_parameters(config), sites, days, start or DEFAULT_START, seed)
    label_count = 0
    if anomalies:
        world = replace(world, anomalies=plan_anomalies(world))
        label_count = write_labels(world, world.anomalies, labels_path)
    if (default_workers() if workers is None else workers) > 1 and _can_fork():
        written = _write_in_two_processes(world, out_dir, file_format)
    else:
        written = _write_entities(Distributor(world), tuple(ENTITY_BUILDERS), out_dir, file_format)
    for reference in _write_reference_tables(out_dir, file_format):
        written = written + reference
    return GenerationResult(
        rows=written.rows,
        files=written.files,
        seconds=time.perf_counter() - began,
        labels_path=labels_path,
        labels=label_count,
    )


def default_workers() -> int:
    return min(2, os.cpu_count() or 1)


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _write_entities(distributor: Distributor, entities: tuple[str, ...], out_dir: Path, file_format: str) -> Written:
    world = distributor.world
    written = Written(0, 0)
    for entity in entities:
        tasks = plan_deliveries(distributor.frame(entity), entity, out_dir, world.start, file_format)
        write_tasks(tasks)
        written = written + Written(sum(len(task.rows) for task in tasks), sum(len(task.files) for task in tasks))
    return written


def _write_in_two_processes(world: World, out_dir: Path, file_format: str) -> Written:
    """Build what both halves need, fork, and let each process build and write its half of the entities.

    Forking before the entities are built keeps copy-on-write cheap: the processes share only the order
    flow and staff, which neither changes.
    """
    text.warm_up()
    distributor = Distributor(world)
    distributor.prepare_shared()
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(sender, distributor, WORKER_SHARES[1], out_dir, file_format))
    child.start()
    sender.close()
    try:
        mine = _write_entities(distributor, WORKER_SHARES[0], out_dir, file_format)
        theirs = receiver.recv()
    except EOFError:
        theirs = None
    finally:
        child.join()
    if child.exitcode != 0 or theirs is None:
        raise RuntimeError(f"the second writer process failed (exit code {child.exitcode}); see its error above")
    return mine + theirs


def _child(
    sender: Connection, distributor: Distributor, entities: tuple[str, ...], out_dir: Path, file_format: str
) -> None:
    sender.send(_write_entities(distributor, entities, out_dir, file_format))
    sender.close()


@dataclass(frozen=True)
class Written:
    rows: int
    files: int

    def __add__(self, other: Written) -> Written:
        return Written(self.rows + other.rows, self.files + other.files)


def _write_reference_tables(out_dir: Path, file_format: str) -> Iterator[Written]:
    """The reference tables the data needs, so the folder is self-contained.

    process_standard is left out on purpose: the data follows the contract's default lifecycle.
    """
    tables: dict[str, tuple[tuple[str, ...], Callable[[], list]]] = {
        "code_map": (CODE_MAP_COLUMNS, codes.code_map_rows),
        "training_requirements": (TRAINING_REQUIREMENT_COLUMNS, codes.training_requirement_rows),
    }
    for name, (columns, rows_of) in tables.items():
        folder = out_dir / name
        folder.mkdir(parents=True, exist_ok=True)
        for stale in (folder / f"{name}.{other}" for other in FORMATS if other != file_format):
            stale.unlink(missing_ok=True)
        clear_deliveries(folder, name)
        rows = rows_of()
        write_reference(rows, columns, folder / f"{name}.{file_format}", file_format)
        yield Written(rows=len(rows), files=1)


def write_reference_seeds(reference_dir: Path = REFERENCE_DIR) -> None:
    """The project's default code_map and training_requirements seeds: the same tables the sample carries."""
    write_reference(codes.code_map_rows(), CODE_MAP_COLUMNS, reference_dir / "code_map.csv", "csv")
    write_reference(
        codes.training_requirement_rows(),
        TRAINING_REQUIREMENT_COLUMNS,
        reference_dir / "training_requirements.csv",
        "csv",
    )


def generate_sample(out_dir: Path = SAMPLE_DIR) -> GenerationResult:
    """The bundled sample (6 sites, 120 days, seed 7, sample.yml volumes)."""
    return generate(out_dir, config=SAMPLE_CONFIG, **SAMPLE_SETTINGS)
