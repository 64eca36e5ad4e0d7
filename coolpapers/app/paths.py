"""Where the project's non-Python files live (the app runs from a source checkout or editable install)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout: coolpapers/app/paths.py
TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"
