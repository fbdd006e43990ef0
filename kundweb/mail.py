"""Sending e-mail through the configured SMTP server (standard library only)."""
import smtplib
import ssl
import unicodedata
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app


def send_mail(to, subject, body):
    """Send one plain-text message; raises smtplib.SMTPException or OSError on failure."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = one_line(subject)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].rpartition("@")[2] or None)
    message.set_content(body)
    # smtplib's own default context checks no certificate: anyone in between could take the login.
    context = ssl.create_default_context(cafile=config.get("MAIL_CA_CERTS_FILE"))
    if config.get("MAIL_USE_SSL"):
        smtp = smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"],
                                context=context)
    else:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
    with smtp:
        if config["MAIL_USE_TLS"] and not config.get("MAIL_USE_SSL"):
            smtp.starttls(context=context)
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def has_control_characters(text):
    """True if `text` holds a line break, tab, NUL or another control character."""
    return any(unicodedata.category(character) == "Cc" for character in text)


def one_line(text):
    """`text` with its line breaks and other control characters as single spaces.

    A subject is built from what people typed (a crisis title, an answer's question, a
    name). A line break in a header makes the email package raise ValueError, which no
    job expects from sending: one such mail stopped every notice queued after it.
    """
    if not has_control_characters(text):
        return text
    return " ".join("".join(" " if unicodedata.category(c) == "Cc" else c for c in text).split())
