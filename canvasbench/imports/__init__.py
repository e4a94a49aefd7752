"""Generations made elsewhere (llm's log, promptfoo results, a folder of pages) brought in as comparisons."""
