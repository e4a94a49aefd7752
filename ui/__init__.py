"""The dashboard's shared pieces: session-state keys, the app frame, cached reads and view helpers."""
