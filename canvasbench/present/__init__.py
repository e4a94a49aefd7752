"""What the CLI and the dashboard both show: numbers, run outcomes, model figures, code pages, exports."""
