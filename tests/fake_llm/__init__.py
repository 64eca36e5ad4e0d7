"""A real OpenAI-compatible chat-completions server for tests, with fault injection."""
