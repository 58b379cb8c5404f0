"""A failure inside a running job restarts it from its latest checkpoint (restart strategies)."""

import pytest
from flowsql.common.config import Config
from flowsql.common.errors import ValidationError
from flowsql.exec.restart import restart_strategy

from tests.fault_tolerance.jobs import committed_rows, flowsql


def test_a_udf_that_fails_once_is_recovered_by_fixed_delay_with_the_exact_output(crash_setup, tmp_path):
    root, job, reference = crash_setup
    marker = tmp_path / "failed-once"
    restart_job = root / "job-restart.sql"
    restart_job.write_text("SET 'restart-strategy.type' = 'fixed-delay';\n"
                           "SET 'restart-strategy.fixed-delay.attempts' = '2';\n"
                           "SET 'restart-strategy.fixed-delay.delay' = '100 ms';\n" + job.read_text())
    process = flowsql(restart_job, root, "restarted", rps=4000, env={"FLOWSQL_FAIL_ONCE_MARKER": str(marker)})
    assert process.wait(timeout=300) == 0, (root / "restarted.log").read_text()[-3000:]
    assert marker.exists()  # the UDF did fail
    log = (root / "restarted.log").read_text()
    assert "fail_once: the first attempt fails on purpose" in log
    assert "restart 1 (fixed-delay) in 100 ms from checkpoint" in log
    assert committed_rows(root / "restarted") == reference


def test_without_a_restart_strategy_the_failure_ends_the_job(crash_setup, tmp_path):
    root, job, _ = crash_setup
    failing_job = root / "job-no-restart.sql"
    failing_job.write_text("SET 'restart-strategy.type' = 'none';\n" + job.read_text())
    process = flowsql(failing_job, root, "failed", rps=1_000_000,
                      env={"FLOWSQL_FAIL_ONCE_MARKER": str(tmp_path / "marker")})
    assert process.wait(timeout=300) == 1
    assert "fail_once: the first attempt fails on purpose" in (root / "failed.log").read_text()
    assert committed_rows(root / "failed") == []  # nothing was committed past the last checkpoint


def _config(**options) -> Config:
    return Config({f"restart-strategy.{k.replace('_', '.')}": v for k, v in options.items()})


def test_fixed_delay_restarts_the_given_number_of_times():
    strategy = restart_strategy(_config(type="fixed-delay", **{"fixed-delay.attempts": "2",
                                                                "fixed-delay.delay": "2 s"}), True)
    assert [strategy.next_delay_ms(t) for t in (0, 1, 2)] == [2000, 2000, None]


def test_failure_rate_gives_up_when_failures_come_too_often():
    strategy = restart_strategy(_config(type="failure-rate", **{
        "failure-rate.max-failures-per-interval": "2", "failure-rate.failure-rate-interval": "10 s",
        "failure-rate.delay": "5 ms"}), True)
    assert strategy.next_delay_ms(0) == 5
    assert strategy.next_delay_ms(1000) == 5
    assert strategy.next_delay_ms(20_000) == 5  # the first two have left the interval
    assert strategy.next_delay_ms(21_000) == 5
    assert strategy.next_delay_ms(22_000) is None


def test_exponential_delay_grows_to_its_maximum_and_resets_after_quiet_time():
    strategy = restart_strategy(_config(type="exponential-delay", **{
        "exponential-delay.initial-backoff": "100 ms", "exponential-delay.max-backoff": "1 s",
        "exponential-delay.backoff-multiplier": "2", "exponential-delay.jitter-factor": "0",
        "exponential-delay.reset-backoff-threshold": "1 min"}), True)
    assert [strategy.next_delay_ms(t) for t in (0, 1, 2, 3, 4, 5)] == [100, 200, 400, 800, 1000, 1000]
    assert strategy.next_delay_ms(120_000) == 100


def test_defaults_follow_flink_and_unknown_types_are_refused():
    assert restart_strategy(Config(), checkpointing=False).next_delay_ms(0) is None
    assert restart_strategy(Config(), checkpointing=True).name == "exponential-delay"
    with pytest.raises(ValidationError, match="unknown restart strategy 'sometimes'"):
        restart_strategy(_config(type="sometimes"), True)
