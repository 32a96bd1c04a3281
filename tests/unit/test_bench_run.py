"""bench/run.py's one client: the zone's and the city's requests alternated round by round, so
the growth exponent (their ratio) compares two pages measured on one machine state."""

from types import SimpleNamespace

from bench import run


class FakeServer:
    """A server whose clients record every request, in order, in one shared log."""

    def __init__(self, name, log, fail_after=None):
        self.name, self.log, self.fail_after = name, log, fail_after
        self.pages = 0

    def client(self, timeout):
        return FakeClient(self)


class FakeClient:
    def __init__(self, server):
        self.server = server

    def request(self, method, path, body=None, headers=None):
        s = self.server
        s.log.append((s.name, path))
        if path == "/bench/floor":
            return run.Reply(200, 0.001)
        s.pages += 1
        if s.fail_after is not None and s.pages > s.fail_after:
            return run.Reply(500, 0.002)
        return run.Reply(200, 0.010 if s.name == "zone" else 0.020)

    def close(self):
        pass


ARGS = SimpleNamespace(requests=4, budget=60, timeout=60)


def test_each_round_alternates_the_scales_and_turns_which_goes_first():
    log = []
    zone, city = FakeServer("zone", log), FakeServer("city", log)
    figures = run.one_client([run.Leg(zone, "/ledgers/hazards", {}),
                              run.Leg(city, "/ledgers/hazards", {})], ARGS)
    rounds = [log[i:i + 4] for i in range(0, len(log), 4)]
    assert len(rounds) == ARGS.requests + 1  # the first warms up and is not counted
    for i, r in enumerate(rounds):
        first, second = ("zone", "city") if i % 2 == 0 else ("city", "zone")
        assert r == [(first, "/bench/floor"), (first, "/ledgers/hazards"),
                     (second, "/bench/floor"), (second, "/ledgers/hazards")]
    assert [f["n"] for f in figures] == [4, 4]
    assert [f["p50"] for f in figures] == [10.0, 20.0] and figures[0]["floor_p50"] == 1.0
    assert [f["status"] for f in figures] == ["ok", "ok"]


def test_a_failing_scale_is_not_asked_again_and_the_other_goes_on():
    log = []
    zone, city = FakeServer("zone", log), FakeServer("city", log, fail_after=2)
    z, c = run.one_client([run.Leg(zone, "/", {}), run.Leg(city, "/", {})], ARGS)
    assert c["status"] == "HTTP 500" and c["n"] == 1  # round 0 warmed up, round 1 counted
    assert z["status"] == "ok" and z["n"] == 4
    assert sum(1 for name, path in log if name == "city" and path == "/") == 3


def test_one_scale_alone_is_measured_as_before():
    log = []
    (figure,) = run.one_client([run.Leg(FakeServer("zone", log), "/", {})], ARGS)
    assert figure["n"] == 4 and log[:2] == [("zone", "/bench/floor"), ("zone", "/")]
