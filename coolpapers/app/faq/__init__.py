"""The LLM FAQ: prompts, input text, provider client, queue, streams, rendering."""
