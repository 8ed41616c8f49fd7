"""The one place secrets are taken out of what simuser writes or prints.

Everything that leaves the process goes through :func:`redact` (structured data: run.json, records,
reports) or :func:`redact_text` (error lines, terminal output, logs). Three kinds of secret are caught:

- credentials in URLs: ``http://user:password@host`` -> ``http://user:***@host``, and secret-looking
  query parameters (``?api_key=...``, ``&token=...``);
- values under secret-looking keys (``api_key``, ``token``, ``password``, ``secret``, ``authorization``,
  ``cookie``, ...), at any depth; keys ending in ``_env`` name an environment variable, not a secret,
  and are kept;
- ``Bearer ...`` / ``Basic ...`` header values in free text, and any secret value seen before in this
  process (a key found under ``api_key`` is also masked where an error message happens to echo it).

Hazard: redaction is one-way. A resumed run gets its secrets again from the environment
(``api_key_env``) or from the same flags on the command line, never from run.json.
"""

from __future__ import annotations

import re
from typing import Any

MASK = "***"

_SECRET_KEY = re.compile(
    r"^(?:.*[_-])?(?:api[_-]?key|apikey|access[_-]?key|secret|secret[_-]?key|client[_-]?secret|password|passwd"
    r"|authorization|credentials?|cookie|private[_-]?key)$"
    r"|^(?:(?:.*[_-])?(?:access|auth|api|bearer|refresh|session|hf|github|openai)[_-]?)?token$|^auth$",
    re.IGNORECASE,
)
# Bounded repetitions and a leading \b keep every pattern linear: a 100 kB line must not take minutes.
_URL_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]{0,30}://)(?P<user>[^/@:\s]{0,256}):(?P<password>[^/@\s]{1,256})@")
_URL_USER_ONLY = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]{0,30}://)(?P<user>[^/@:\s]{1,256})@")
_QUERY_SECRET = re.compile(
    r"(?P<key>[?&;](?:api[_-]?key|apikey|key|token|access[_-]?token|password|secret|sig|signature)=)[^&#\s\"']{1,512}",
    re.IGNORECASE,
)
# "Bearer" is only ever an auth scheme; after "Basic" or "Token", words of prose ("use the Token instead")
# are not credentials, so there a value must carry a digit.
_AUTH_HEADER = re.compile(
    r"(?P<scheme>\bBearer\s+)[A-Za-z0-9._~+/=-]{6,4096}"
    r"|(?P<scheme2>\b(?:Basic|Token)\s+)(?=[A-Za-z._~+/=-]{0,4096}\d)[A-Za-z0-9._~+/=-]{6,4096}",
    re.IGNORECASE,
)
_KEY_VALUE = re.compile(
    r"(?P<key>\b(?:api[_-]?key|apikey|password|passwd|secret|token|authorization)\b\s*[=:]\s*[\"']?)"
    r"(?P<value>[^\s\"',;&}]{4,512})",
    re.IGNORECASE,
)
_SEEN: set[str] = set()
_MIN_REMEMBERED = 6  # shorter values would mask ordinary words


def is_secret_key(key: str) -> bool:
    """Whether an option or header name holds a secret (``api_key`` yes, ``api_key_env`` no)."""
    lowered = key.lower()
    return not lowered.endswith("_env") and bool(_SECRET_KEY.match(lowered))


def remember(secret: str | None) -> None:
    """Mask this value wherever it appears from now on (e.g. a key read from an environment variable)."""
    if secret and len(secret) >= _MIN_REMEMBERED:
        _SEEN.add(secret)


def redact_text(text: str) -> str:
    """``text`` with URL credentials, auth headers, ``key=value`` secrets and remembered secrets masked."""
    if not text:
        return text
    for secret in sorted(_SEEN, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    text = _URL_USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)
    text = _URL_USER_ONLY.sub(lambda m: f"{m['scheme']}{MASK}@" if len(m["user"]) > 20 else m[0], text)
    text = _QUERY_SECRET.sub(lambda m: f"{m['key']}{MASK}", text)
    text = _AUTH_HEADER.sub(lambda m: f"{m['scheme'] or m['scheme2']}{MASK}", text)
    return _KEY_VALUE.sub(lambda m: f"{m['key']}{MASK}", text)


#: Keys whose values are conversation text (what users and assistants said, goals, task questions): data,
#: not simuser's own output, so only secrets simuser knows are masked there, never pattern guesses
#: ("use the JSON Web Token instead" is prose, and a record must keep it byte for byte).
CONTENT_KEYS = frozenset({"content", "text", "question", "shards", "intent"})


def mask_known(value: Any) -> Any:
    """A copy of ``value`` with only the secrets seen in this process masked (see :func:`remember`)."""
    if isinstance(value, str):
        for secret in sorted(_SEEN, key=len, reverse=True):
            value = value.replace(secret, MASK)
        return value
    if isinstance(value, dict):
        return {k: mask_known(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_known(v) for v in value]
    return value


def redact(value: Any) -> Any:
    """A copy of ``value`` (dicts, lists, strings, scalars) with every secret masked."""
    if isinstance(value, dict):
        return {k: mask_known(v) if k in CONTENT_KEYS and isinstance(v, str | list) else _redact_item(str(k), v)
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def _redact_item(key: str, value: Any) -> Any:
    if is_secret_key(key) and value not in (None, "", MASK) and not isinstance(value, bool | int | float) \
            and not _only_variable_references(value):
        for secret in _strings_in(value):
            remember(secret)
        return MASK
    return redact(value)


_VARIABLE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]{0,100}\}")


def _only_variable_references(value: Any) -> bool:
    """``"Bearer ${API_TOKEN}"`` names an environment variable: kept, so a resumed run can expand it again."""
    if not isinstance(value, str) or not _VARIABLE.search(value):
        return False
    return _VARIABLE.sub("", value).strip() in ("", "Bearer", "Basic", "Token")


def _strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings_in(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings_in(v)]
    return []
