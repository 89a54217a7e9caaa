"""Whether a table's new files meet their contract: the asset check's verdict."""

from dataclasses import dataclass

from data_contracts.loader import FileLoad


@dataclass(frozen=True)
class Verdict:
    """The contract check of one raw table over the files of one load."""

    passed: bool
    problems: tuple[str, ...]  # one readable sentence per failing file
    files: int
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    duplicates_skipped: int
    rows_warned: int
    drift_columns: tuple[str, ...]

    @property
    def reconciles(self) -> bool:
        total = self.rows_loaded + self.rows_quarantined + self.duplicates_skipped
        return self.rows_read == total


def judge(loads: list[FileLoad], max_bad_row_share: float) -> Verdict:
    """Fail when a file was rejected, does not reconcile, or quarantined more
    than `max_bad_row_share` of its rows; schema drift alone never fails."""
    new = [load for load in loads if not load.skipped]
    problems = []
    for load in new:
        accounted = load.rows_loaded + load.rows_quarantined + load.duplicates_skipped
        if load.status == "rejected":
            problems.append(f"{load.file_path} was rejected: {load.reason}")
        elif accounted != load.rows_read:
            problems.append(
                f"{load.file_path} does not reconcile: read {load.rows_read},"
                f" accounted for {accounted}"
            )
        elif load.rows_read and load.rows_quarantined / load.rows_read > (
            max_bad_row_share
        ):
            share = load.rows_quarantined / load.rows_read
            problems.append(
                f"{load.file_path} quarantined {load.rows_quarantined} of"
                f" {load.rows_read} rows ({share:.1%}), above the contract's"
                f" {max_bad_row_share:.1%}"
            )
    drift = sorted({c for load in new for c in load.drift_columns})
    return Verdict(
        passed=not problems,
        problems=tuple(problems),
        files=len(new),
        rows_read=sum(x.rows_read for x in new),
        rows_loaded=sum(x.rows_loaded for x in new),
        rows_quarantined=sum(x.rows_quarantined for x in new),
        duplicates_skipped=sum(x.duplicates_skipped for x in new),
        rows_warned=sum(x.rows_warned for x in new),
        drift_columns=tuple(drift),
    )
