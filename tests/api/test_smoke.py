from tests.conftest import create_exercise


async def test_create_start_and_read(client):
    ex = await create_exercise(client)
    assert {"facilitator", "observer", "TJK", "SG"} <= set(ex.tokens)
    out = await ex.command("facilitator", {"type": "start_exercise"})
    assert [e["type"] for e in out["events"]] == ["exercise_started"]
    events = await ex.events()
    assert [e["seq"] for e in events] == [1, 2]


async def test_the_server_sets_its_collector_once_started(settings):
    """The cyclic garbage collector as the server's lifespan leaves it (server.app.settle_collector):
    what existed at start frozen, collections less frequent. The benchmarks time the server's code
    with the same settings, so a change here is a change to what they measure."""
    import gc

    from server.app import GC_THRESHOLDS, create_app

    before = gc.get_threshold()
    gc.unfreeze()  # as a fresh process starts (an earlier test's server may have set it)
    gc.set_threshold(700, 10, 10)
    try:
        application = create_app(settings)
        assert gc.get_freeze_count() == 0
        async with application.router.lifespan_context(application):
            assert gc.get_threshold() == GC_THRESHOLDS
            assert gc.get_freeze_count() > 0
    finally:
        gc.set_threshold(*before)
