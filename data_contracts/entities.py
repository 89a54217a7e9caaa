"""The source entities: where their landing files are and what their raw tables hold.

Adding an entity or a column is a change to the lists below, not to code: the
loader creates and widens raw tables from these definitions.
"""

from dataclasses import dataclass

from data_contracts.naming import snake_case

VARCHAR = "VARCHAR"
JSON = "JSON"


@dataclass(frozen=True)
class Column:
    """One vendor column of a raw table."""

    name: str  # raw column name, snake case
    type: str  # VARCHAR or JSON
    field: str  # the vendor's field name as it appears in the file


@dataclass(frozen=True)
class Entity:
    """One source entity: its landing files, their reader and its raw table."""

    source: str
    entity: str
    patterns: tuple[str, ...]  # globs inside <landing>/<source>/
    reader: str  # key in readers.READERS
    columns: tuple[Column, ...]
    # True when keys outside `columns` are kept as one JSON object in `_extra`.
    keeps_extra: bool = False
    # Zendesk pages hold their records under this envelope key.
    record_key: str | None = None
    # Files a writer keeps appending to (the collector's): read up to their
    # last complete line, so a line being written is left for the next load.
    appending_patterns: tuple[str, ...] = ()
    # A DATE column filled from the `YYYY-MM-DD` in the file name: the daily
    # partition a backfill or reload replaces.
    partition_column: str | None = None

    @property
    def table(self) -> str:
        return f"{self.source}_{self.entity}"

    @property
    def qualified_table(self) -> str:
        return f"raw.{self.table}"

    @property
    def raw_columns(self) -> tuple[Column, ...]:
        """Vendor columns plus `_extra` where the entity keeps unknown keys."""
        if not self.keeps_extra:
            return self.columns
        return (*self.columns, Column("_extra", JSON, ""))


def _columns(fields: str, type_: str = VARCHAR) -> tuple[Column, ...]:
    """Columns from a comma-separated list of vendor field names."""
    names = [name.strip() for name in fields.split(",") if name.strip()]
    return tuple(Column(snake_case(name), type_, name) for name in names)


_TAXES = ", ".join(f"Tax {i} Name, Tax {i} Value" for i in range(1, 6))

SHOP_CUSTOMER_FIELDS = """
Customer ID, First Name, Last Name, Email, Accepts Email Marketing,
Default Address Company, Default Address Address1, Default Address Address2,
Default Address City, Default Address Province Code, Default Address Country Code,
Default Address Zip, Default Address Phone, Phone, Accepts SMS Marketing,
Total Spent, Total Orders, Note, Tax Exempt, Tags
"""

SHOP_ORDER_FIELDS = f"""
Name, Email, Financial Status, Paid at, Fulfillment Status, Fulfilled at,
Accepts Marketing, Currency, Subtotal, Shipping, Taxes, Total, Discount Code,
Discount Amount, Shipping Method, Created at, Lineitem quantity, Lineitem name,
Lineitem price, Lineitem compare at price, Lineitem sku, Lineitem requires shipping,
Lineitem taxable, Lineitem fulfillment status, Billing Name, Billing Street,
Billing Address1, Billing Address2, Billing Company, Billing City, Billing Zip,
Billing Province, Billing Country, Billing Phone, Shipping Name, Shipping Street,
Shipping Address1, Shipping Address2, Shipping Company, Shipping City, Shipping Zip,
Shipping Province, Shipping Country, Shipping Phone, Notes, Note Attributes,
Cancelled at, Payment Method, Payment Reference, Refunded Amount, Vendor,
Outstanding Balance, Employee, Location, Device ID, Id, Tags, Risk Level, Source,
Lineitem discount, {_TAXES}, Phone, Receipt Number, Duties, Billing Province Name,
Shipping Province Name, Payment ID, Payment Terms Name, Next Payment Due At,
Payment References
"""

SUPPORT_USER_FIELDS = """
id, url, name, email, phone, role, created_at, updated_at, time_zone,
iana_time_zone, locale, organization_id, external_id, active, verified
"""

SUPPORT_TICKET_FIELDS = """
id, url, external_id, created_at, updated_at, type, subject, description,
priority, status, requester_id, submitter_id, assignee_id, organization_id,
group_id, brand_id, ticket_form_id
"""

# Merge fields by their default labels, then the system columns of all three
# member files; a file lacking a column loads NULL there.
EMAIL_AUDIENCE_FIELDS = """
Email Address, First Name, Last Name, Address, Phone Number, Birthday,
MEMBER_RATING, OPTIN_TIME, OPTIN_IP, CONFIRM_TIME, CONFIRM_IP, LATITUDE, LONGITUDE,
GMTOFF, DSTOFF, TIMEZONE, CC, REGION, LAST_CHANGED, UNSUB_TIME, UNSUB_CAMPAIGN_TITLE,
UNSUB_CAMPAIGN_ID, UNSUB_REASON, UNSUB_REASON_OTHER, CLEAN_TIME, CLEAN_CAMPAIGN_TITLE,
CLEAN_CAMPAIGN_ID, LEID, EUID, NOTES, TAGS
"""

EMAIL_EVENT_FIELDS = """
sg_event_id, sg_message_id, smtp-id, email, timestamp, event, reason, status,
response, attempt, ip, tls, type, bounce_classification, useragent,
sg_machine_open, url, asm_group_id, pool
"""

WEB_EVENT_FIELDS = """
messageId, type, anonymousId, userId, event, name, category, timestamp,
originalTimestamp, sentAt, receivedAt, channel, version, previousId, groupId
"""

ENTITIES: tuple[Entity, ...] = (
    Entity(
        source="shop",
        entity="customers",
        patterns=("customers_export*.csv",),
        reader="shopify_csv",
        columns=_columns(SHOP_CUSTOMER_FIELDS),
        keeps_extra=True,
    ),
    Entity(
        source="shop",
        entity="orders",
        patterns=("orders_export_*.csv",),
        reader="shopify_csv",
        columns=_columns(SHOP_ORDER_FIELDS),
        keeps_extra=True,
    ),
    Entity(
        source="support",
        entity="users",
        patterns=("users-*.json",),
        reader="zendesk_page",
        columns=_columns(SUPPORT_USER_FIELDS) + _columns("tags, user_fields", JSON),
        record_key="users",
        keeps_extra=True,
    ),
    Entity(
        source="support",
        entity="tickets",
        patterns=("tickets-*.json",),
        reader="zendesk_page",
        columns=_columns(SUPPORT_TICKET_FIELDS)
        + _columns("via, tags, custom_fields, satisfaction_rating", JSON),
        record_key="tickets",
        keeps_extra=True,
    ),
    Entity(
        source="email",
        entity="audience",
        patterns=("audience_export*.zip",),
        reader="mailchimp_zip",
        columns=(
            Column("list_status", VARCHAR, "list_status"),
            *_columns(EMAIL_AUDIENCE_FIELDS),
        ),
        keeps_extra=True,
    ),
    Entity(
        source="email",
        entity="events",
        patterns=("sendgrid-events-*.json",),
        reader="sendgrid_json",
        columns=_columns(EMAIL_EVENT_FIELDS) + _columns("category, url_offset", JSON),
        keeps_extra=True,
    ),
    Entity(
        source="web",
        entity="events",
        patterns=(
            "events-????-??-??.ndjson",
            "events-????-??-??.ndjson.gz",
            "collected-????-??-??.ndjson",
        ),
        reader="segment_ndjson",
        columns=_columns(WEB_EVENT_FIELDS)
        + _columns("context, properties, traits, integrations", JSON),
        keeps_extra=True,
        appending_patterns=("collected-????-??-??.ndjson",),
        partition_column="received_date",
    ),
)


def entities_for(sources: list[str] | None = None) -> list[Entity]:
    """The entities of the given sources (all when None), in definition order."""
    known = {entity.source for entity in ENTITIES}
    unknown = sorted(set(sources or []) - known)
    if unknown:
        raise ValueError(f"unknown sources {unknown}; known are {sorted(known)}")
    return [e for e in ENTITIES if sources is None or e.source in sources]
