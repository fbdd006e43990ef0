"""The per-process holder the crisis schedule, the enquiry form's lists and the company index share."""
from kundweb.caching import Expiring, per_app


def test_a_value_is_kept_for_its_seconds_and_read_again_after_forget():
    reads = []
    holder = Expiring(3600, lambda n: reads.append(n) or len(reads))
    assert [holder.get(1), holder.get(2)] == [1, 1] and reads == [1]
    holder.forget()  # a write in this process
    assert holder.get(3) == 2 and reads == [1, 3]


def test_zero_seconds_keeps_nothing():
    reads = []
    holder = Expiring(0, lambda: reads.append(1) or len(reads))
    assert [holder.get(), holder.get()] == [1, 2]


def test_one_holder_per_app(app):
    with app.app_context():
        first = per_app("kundweb_test_holder", lambda a: Expiring(1, dict))
        assert per_app("kundweb_test_holder", lambda a: Expiring(1, dict)) is first
    app.extensions.pop("kundweb_test_holder")
