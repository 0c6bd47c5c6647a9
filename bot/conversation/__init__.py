"""The conversation layer: callback-data codec and chat helpers shared by every feature."""
