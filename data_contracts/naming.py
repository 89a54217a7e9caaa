"""Vendor field names to raw column names."""

import re

# A lower-case letter or digit followed by an upper-case one starts a new word
# (anonymousId), and so does the last capital of an acronym (HTTPStatus).
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def snake_case(name: str) -> str:
    """Return the raw column name for a vendor field name.

    `Default Address Address1` -> `default_address_address1`, `smtp-id` ->
    `smtp_id`, `anonymousId` -> `anonymous_id`, `Tax 1 Name` -> `tax_1_name`.
    """
    split = _CAMEL_BOUNDARY.sub("_", name.strip()).lower()
    return _NOT_WORD.sub("_", split).strip("_")
