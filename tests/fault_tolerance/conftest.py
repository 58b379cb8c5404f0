import pytest

from tests.fault_tolerance.jobs import committed_rows, flowsql, write_inputs, write_job


@pytest.fixture(scope="session")
def crash_setup(tmp_path_factory):
    """Inputs, the job file, and the output of one uninterrupted run (the reference)."""
    root = tmp_path_factory.mktemp("fault_tolerance")
    write_inputs(root)
    job = write_job(root)
    process = flowsql(job, root, "reference", rps=1_000_000)
    assert process.wait(timeout=120) == 0, (root / "reference.log").read_text()
    reference = committed_rows(root / "reference")
    assert len(reference) > 10_000
    return root, job, reference
