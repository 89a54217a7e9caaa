import pytest

from data_contracts.naming import snake_case


@pytest.mark.parametrize(
    ("vendor", "column"),
    [
        ("Default Address Address1", "default_address_address1"),  # digit stays
        ("smtp-id", "smtp_id"),  # punctuation becomes one underscore
        ("anonymousId", "anonymous_id"),  # camelCase split
        ("Tax 1 Name", "tax_1_name"),  # numbers are words
        ("Customer ID", "customer_id"),  # acronym word
        ("MEMBER_RATING", "member_rating"),  # Mailchimp system column
        ("originalTimestamp", "original_timestamp"),
        ("HTTPStatus", "http_status"),  # acronym before a word
        ("  Paid at ", "paid_at"),  # stray spaces
        ("Lineitem compare at price", "lineitem_compare_at_price"),
    ],
)
def test_snake_case(vendor: str, column: str) -> None:
    assert snake_case(vendor) == column
