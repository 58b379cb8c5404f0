"""Checkpoints: consistent snapshots of a running job, written asynchronously and atomically.

``coordinator`` decides when a checkpoint is due and captures it at a barrier in the job's loop;
``snapshot`` turns operator state into bytes (big arrays as raw buffers); ``storage`` lays the
bytes out in Flink's ``<dir>/<job-id>/chk-<n>/`` form with checksums, and finds the checkpoint to
restore from.
"""
