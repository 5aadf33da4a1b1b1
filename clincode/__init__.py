"""clincode: automated clinical coding (ICD-10 UK 5th Edition, OPCS-4) for NHS hospitals."""
__version__ = "0.1.0"


def code_text(text: str, episode_id: str = "episode", all_findings: bool = False):
    """Code one document's text as an episode (see ``clincode.engine``)."""
    from .engine import code_text as _code_text

    return _code_text(text, episode_id, all_findings)


__all__ = ["code_text", "__version__"]
