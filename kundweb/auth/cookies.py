"""The signed cookie that carries a browser's session token (Flask's session), read cheaply.

Every logged-in request opens this cookie before anything else: Flask builds a new
serializer for it, checks its HMAC and parses its JSON each time, which cost about as
much as the login check's database query. Here the serializer is built once per set of
keys, and a cookie value whose signature was verified is remembered together with what it
carried, so the next request with the very same value skips the HMAC and the JSON.

What is remembered is what the browser sent, not whether the session is open: that is
read from the database on every request (auth.services.load_session), so a logout or a
disabled account still ends the session at the very next request.
"""
import time

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

# Verified cookie values kept per process; about one per logged-in browser (a few hundred).
VERIFIED_COOKIES_KEPT = 4096
# Only flat values are shared between requests: one request must never change a list
# (flashed messages) that another request is reading.
_FLAT = (str, int, float, bool, type(None))


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with the serializer and verified values kept per process."""

    def __init__(self):
        self._serializer = (None, None)  # (keys, serializer)
        self._verified = {}  # cookie value -> (signed at, epoch seconds; its data)

    def get_signing_serializer(self, app):
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        known_keys, serializer = self._serializer
        if known_keys != keys:
            serializer = super().get_signing_serializer(app)
            self._serializer = (keys, serializer)
            self._verified = {}  # signed with a key that was dropped: no longer valid
        return serializer

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = app.permanent_session_lifetime.total_seconds()
        verified = self._verified
        known = verified.get(value)
        if known is not None:
            signed_at, data = known
            if time.time() - signed_at > max_age:  # as itsdangerous would: too old now
                verified.pop(value, None)
                return self.session_class()
            return self.session_class(data)  # a copy; the values are flat
        try:
            data, signed_at = serializer.loads(value, max_age=int(max_age), return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if all(isinstance(item, _FLAT) for item in data.values()):
            if len(verified) >= VERIFIED_COOKIES_KEPT:
                verified.clear()
            verified[value] = (signed_at.timestamp(), data)
        return self.session_class(data)
