"""Splitting a provider's single output-token total into answer and thinking tokens when it reports only the sum."""

from __future__ import annotations


def split_output_tokens(total: int, thinking_chars: int, text_chars: int) -> tuple[int, int]:
    """(output, thinking) from a total that includes thinking, in proportion to the characters streamed.

    An estimate, used only when the provider does not break the total down itself: thinking that was
    summarised or hidden makes the thinking share look smaller than it was. The sum is always exact.
    """
    if thinking_chars <= 0:
        return total, 0
    thinking = round(total * thinking_chars / (thinking_chars + max(0, text_chars)))
    return total - thinking, thinking
