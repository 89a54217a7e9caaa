import dagster as dg

from orchestration.definitions import defs


def test_definitions_load():
    dg.Definitions.validate_loadable(defs)


def test_every_layer_is_an_asset_with_lineage():
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}

    raw = {
        f"raw/{source}"
        for source in (
            "shop_customers",
            "shop_orders",
            "support_users",
            "support_tickets",
            "email_audience",
            "email_events",
            "web_events",
        )
    }
    assert raw <= keys
    assert {"staging/int_identity_records", "identity/record_to_customer"} <= keys
    assert "marts/dim_customers" in keys

    # The identity step sits between the intermediate model and the customer mart.
    identity = dg.AssetKey(["identity", "record_to_customer"])
    records = dg.AssetKey(["staging", "int_identity_records"])
    assert records in _ancestors(graph, identity)
    assert identity in _ancestors(graph, dg.AssetKey(["marts", "dim_customers"]))


def _ancestors(graph, key: dg.AssetKey) -> set[dg.AssetKey]:
    seen: set[dg.AssetKey] = set()
    frontier = [key]
    while frontier:
        parents = graph.get(frontier.pop()).parent_keys - seen
        seen |= parents
        frontier.extend(parents)
    return seen


def test_staging_reads_raw_tables():
    graph = defs.resolve_asset_graph()
    parents = graph.get(dg.AssetKey(["staging", "stg_shop__orders"])).parent_keys

    assert dg.AssetKey(["raw", "shop_orders"]) in parents


def test_warehouse_writers_share_one_pool():
    job = defs.resolve_job_def("full_pipeline")

    assert job.executor_def is dg.in_process_executor
    pools = {node.definition.pool for node in job.graph.node_dict.values()}
    assert pools == {"warehouse"}
