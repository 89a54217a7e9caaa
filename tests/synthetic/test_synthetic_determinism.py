import hashlib
from pathlib import Path

from synthetic import generate


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_identical_bytes(tmp_path):
    generate(400, 5, tmp_path / "a", progress=False, chunk_size=150)
    generate(400, 5, tmp_path / "b", progress=False, chunk_size=150)
    a, b = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert len(a) > 10
    assert a == b


def test_other_seed_differs(tmp_path):
    generate(400, 5, tmp_path / "a", progress=False, chunk_size=150)
    generate(400, 6, tmp_path / "b", progress=False, chunk_size=150)
    a, b = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert (
        a["landing/shop/customers_export.csv"] != b["landing/shop/customers_export.csv"]
    )


def test_rerun_into_same_folder_replaces_files(tmp_path):
    generate(300, 5, tmp_path / "a", progress=False, chunk_size=150)
    first = _hashes(tmp_path / "a")
    generate(300, 5, tmp_path / "a", progress=False, chunk_size=150)
    assert _hashes(tmp_path / "a") == first


def test_summary_counts_rows(tmp_path):
    summary = generate(300, 5, tmp_path, progress=False)
    assert summary["rows"]["shop/customers_export.csv"] > 100
    assert summary["duration_seconds"] > 0
