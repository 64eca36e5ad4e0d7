from pathlib import Path

import pytest

from coolpapers.app.settings import ConfigError, Settings, load_settings
from tests.conftest import make_settings


def test_defaults_match_the_documented_values() -> None:
    s = Settings(_env_file=None)
    assert s.database_url == "sqlite:///./data/coolpapers.db"
    assert s.redis_url == "" and s.embedded
    assert s.arxiv_rss_url == "https://rss.arxiv.org"
    assert s.arxiv_api_url == "https://export.arxiv.org/api/query"
    assert s.arxiv_pdf_url == "https://arxiv.org/pdf"
    assert s.arxiv_min_interval_s == 3
    assert s.categories == ["all"] and s.follows_all_categories
    assert s.faq_languages == ["en", "zh"]
    assert (s.host, s.port) == ("127.0.0.1", 8000)
    assert not s.llm_configured


def test_environment_variables_are_read_with_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COOLPAPERS_CATEGORIES", "cs.CL, cs.na,math")
    monkeypatch.setenv("COOLPAPERS_FAQ_LANGUAGES", "en")
    monkeypatch.setenv("COOLPAPERS_PORT", "9000")
    monkeypatch.setenv("COOLPAPERS_DATABASE_URL", "postgresql://u:p@db/x")
    s = load_settings()
    assert s.categories == ["cs.CL", "math.NA", "math"]  # alias folded to its canonical code
    assert s.faq_languages == ["en"]
    assert s.port == 9000
    assert s.database_url == "postgresql+psycopg://u:p@db/x"


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("COOLPAPERS_PORT", "eighty"),
        ("COOLPAPERS_PORT", "70000"),
        ("COOLPAPERS_CATEGORIES", "cs.XX"),
        ("COOLPAPERS_DATABASE_URL", "mysql://x"),
        ("COOLPAPERS_REDIS_URL", "localhost:6379"),
        ("COOLPAPERS_ARXIV_MIN_INTERVAL_S", "-1"),
        ("COOLPAPERS_FAQ_LANGUAGES", "english!"),
        ("COOLPAPERS_FAQ_PREGENERATE_CATEGORIES", "cs.LG,cs.XX"),
        ("COOLPAPERS_LLM_BASE_URL", "api.example.com"),
    ],
)
def test_invalid_value_names_the_variable(monkeypatch: pytest.MonkeyPatch, var: str, value: str) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError) as err:
        load_settings(_env_file=None)
    assert var in str(err.value)


def test_pregenerate_categories_are_canonical_with_archives_expanded() -> None:
    s = make_settings(faq_pregenerate_categories="CS.lg, cs.na,hep-th")
    assert s.faq_pregenerate_categories == ["cs.LG", "math.NA", "hep-th"]
    cs = make_settings(faq_pregenerate_categories="cs").faq_pregenerate_categories
    assert {"cs.AI", "cs.CL", "cs.LG"} <= set(cs) and all(c.startswith("cs.") for c in cs)
    assert make_settings(faq_pregenerate_categories="all").faq_pregenerate_categories == []
    assert make_settings().faq_pregenerate_categories == []


def test_dotenv_file_is_supported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text(
        "COOLPAPERS_LLM_MODEL=kimi-k2\nCOOLPAPERS_LLM_BASE_URL=http://127.0.0.1:1/v1\n"
    )
    monkeypatch.chdir(tmp_path)
    s = load_settings()
    assert s.llm_model == "kimi-k2" and s.llm_configured


def test_settings_are_values_not_globals() -> None:
    a = make_settings(port=1234)
    b = make_settings(port=4321)
    assert (a.port, b.port) == (1234, 4321)


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    missing = [name for name in Settings.model_fields if f"COOLPAPERS_{name.upper()}" not in readme]
    assert missing == [], f"settings missing from README's configuration table: {missing}"
