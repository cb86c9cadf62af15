"""Signal receivers that keep the step library in step with flows (wired in issue order)."""
