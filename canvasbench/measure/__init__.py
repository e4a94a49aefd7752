"""From a raw response to its numbers: the artifact, line counts, reasoning, cost and estimates."""
