"""URL converters: an `<int:...>` part is a number a database key can hold, or the URL is 404."""
from werkzeug.routing import IntegerConverter

# Every key in the schema is an INTEGER: on PostgreSQL at most 2**31 - 1. A longer number
# would reach the database driver and fail there (OverflowError, a 500); as a URL it is
# simply a page that does not exist.
MAX_ROW_ID = 2**31 - 1


class RowIdConverter(IntegerConverter):
    """Werkzeug's int converter, bounded to what a database key can be."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ROW_ID, signed=False):  # noqa: A002 - Werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_app(app):
    """Replace `int` before any blueprint adds its rules: every `<int:...>` route gets the bound."""
    app.url_map.converters["int"] = RowIdConverter
