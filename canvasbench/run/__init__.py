"""Strings the stages together: the runner, its loop, writer and progress, warm-up, whole comparisons."""
