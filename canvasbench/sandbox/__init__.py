"""The box every artifact is shown in: the wrapper document, the library mirror, the preview server."""
