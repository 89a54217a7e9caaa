import pytest

from data_contracts.entities import ENTITIES
from data_contracts.errors import LandingFileError
from data_contracts.readers import read_landing_file
from tests.data_contracts.conftest import csv_bytes, customers_csv, orders_csv

CUSTOMERS = next(e for e in ENTITIES if e.table == "shop_customers")
ORDERS = next(e for e in ENTITIES if e.table == "shop_orders")


def test_customers_keep_values_verbatim_with_bom_and_crlf() -> None:
    frame = read_landing_file(customers_csv(), CUSTOMERS, "shop/customers_export.csv")

    assert frame.height == 3
    first = frame.row(0, named=True)
    # The apostrophe protecting ids from spreadsheets stays in raw.
    assert first["customer_id"] == "'7210448301122"
    assert first["default_address_zip"] == "'02134"
    assert first["last_name"] == "O'Neil"
    assert first["note"] == 'first line\r\nsecond, with comma\r\n"quoted" third'
    assert first["tags"] == "VIP, Winter 2024"
    assert first["total_spent"] == "120.50"
    # An empty cell is an empty string, not NULL.
    assert first["phone"] == ""
    assert frame["_source_file"].unique().to_list() == ["shop/customers_export.csv"]


def test_customer_source_lines_jump_over_multiline_notes() -> None:
    frame = read_landing_file(customers_csv(), CUSTOMERS, "shop/customers_export.csv")

    # Header on line 1; the first Note spans lines 2-4, the third's 6-7.
    assert frame["_source_line"].to_list() == [2, 5, 6]


def test_orders_match_columns_by_name() -> None:
    frame = read_landing_file(orders_csv(), ORDERS, "shop/orders_export_1.csv")

    assert frame.height == 5
    assert frame["name"].to_list() == ["#1001"] * 3 + ["#1002"] * 2
    assert frame["id"].to_list() == ["5123456789", "", "", "5123456790", ""]
    assert frame["lineitem_sku"].to_list() == [
        "SKU-1",
        "SKU-2",
        "SKU-3",
        "SKU-1",
        "SKU-2",
    ]
    assert frame["financial_status"].to_list() == ["paid", "", "", "pending", ""]
    assert frame["tax_1_name"][0] == "VAT 19%"
    assert frame["_source_line"].to_list() == [2, 3, 4, 5, 6]
    # Missing from the file: absent here, NULL in raw. New: not kept.
    assert "payment_references" not in frame.columns
    assert "lineitem_image" not in frame.columns


def test_unknown_columns_are_kept_in_extra() -> None:
    frame = read_landing_file(orders_csv(), ORDERS, "shop/orders_export_1.csv")

    # Keyed by the vendor's own column name, one JSON object per row.
    assert (
        frame["_extra"].to_list()[0] == '{"Lineitem image":"https://cdn.example/x.png"}'
    )


def test_blank_lines_are_not_records() -> None:
    data = b"Customer ID,Email\n'1,a@x\n\n'2,b@x\n\n"

    frame = read_landing_file(data, CUSTOMERS, "shop/customers_export.csv")

    assert frame["customer_id"].to_list() == ["'1", "'2"]
    assert frame["_source_line"].to_list() == [2, 4]


def test_header_only_file_has_no_rows() -> None:
    frame = read_landing_file(b"Customer ID,Email\r\n", CUSTOMERS, "shop/c.csv")

    assert frame.height == 0


def test_stray_quote_in_unquoted_cell_is_an_error() -> None:
    # Polars reads quotes by RFC 4180 parity; a bare quote breaks the file.
    data = b"Customer ID,Note\n'1,5\" screen\n'2,\"a\nb\"\n'3,ok\n"

    with pytest.raises(LandingFileError, match="it is not a valid CSV"):
        read_landing_file(data, CUSTOMERS, "shop/customers_export.csv")


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        # Zero bytes, or only a byte-order mark and white space.
        (b"", "the file is empty"),
        (b"\xef\xbb\xbf \r\n", "the file is empty"),
        # Latin-1 bytes where UTF-8 is promised.
        (
            b"Customer ID,Note\n'1,caf\xe9\n",
            "it is not valid UTF-8 (byte 0xe9 on line 2)",
        ),
        # Two header names that snake-case to the same column.
        (b"Email,EMAIL\na,b\n", "the header repeats the columns ['email']"),
    ],
)
def test_unreadable_csv_raises_clear_error(data: bytes, problem: str) -> None:
    with pytest.raises(LandingFileError) as raised:
        read_landing_file(data, CUSTOMERS, "shop/customers_export.csv")

    assert str(raised.value) == (
        f"Cannot load landing file shop/customers_export.csv: {problem}."
    )


def test_ragged_row_is_an_error() -> None:
    data = csv_bytes(["Customer ID"], [{"Customer ID": "'1"}]) + b"'2,extra\n"

    with pytest.raises(LandingFileError, match="it is not a valid CSV"):
        read_landing_file(data, CUSTOMERS, "shop/customers_export.csv")
