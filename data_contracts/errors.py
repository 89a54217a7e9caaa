"""The one error a reader raises for a landing file it cannot read."""


class LandingFileError(Exception):
    """A landing file that cannot be read: names the file and the problem.

    `file_path` is relative to the landing folder (with `!member` for a file
    inside a zip) so the quarantine step can move it and report it.
    """

    def __init__(self, file_path: str, problem: str) -> None:
        self.file_path = file_path
        self.problem = problem
        super().__init__(f"Cannot load landing file {file_path}: {problem}.")
