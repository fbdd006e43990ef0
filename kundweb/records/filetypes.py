"""What an uploaded file really is, read from its bytes (never from its name), and .eml parsing.

No libmagic: the five accepted types are recognised by their own headers. An e-mail
message is parsed with the standard library; a malformed one is kept and flagged.
"""
import re
from dataclasses import dataclass, field
from datetime import timezone
from email import policy
from email.parser import BytesParser
from email.utils import parseaddr, parsedate_to_datetime

# (file kind, content type, extension for downloads)
AUDIO_TYPES = {
    "wav": ("audio/wav", "wav"),
    "mp3": ("audio/mpeg", "mp3"),
    "m4a": ("audio/mp4", "m4a"),
    "ogg": ("audio/ogg", "ogg"),
}
EML_TYPE = ("message/rfc822", "eml")
HEAD_BYTES = 64 * 1024  # enough for an ID3 tag of ordinary size and an e-mail's header section
M4A_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
HEADER_LINE = re.compile(rb"^[\x21-\x39\x3b-\x7e]+:")
MESSAGE_HEADERS = ("from", "date", "subject")


@dataclass(frozen=True)
class DetectedType:
    kind: str  # wav, mp3, m4a, ogg or eml
    content_type: str
    extension: str


@dataclass(frozen=True)
class EmailInfo:
    """What an .eml told us; `problems` lists what was wrong with it (empty: well-formed)."""

    sender: str | None = None
    subject: str | None = None
    sent_at: object = None  # aware datetime or None
    problems: list = field(default_factory=list)

    @property
    def malformed(self):
        return bool(self.problems)


def detect(head, read_at=None):
    """The type of a file from its first bytes, or None when it is none of the accepted ones.

    `read_at(offset, length)` reads further into the file, for an MP3 whose ID3 tag
    (cover art) is longer than `head`.
    """
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return _audio("wav")
    if head[:4] == b"OggS":
        return _audio("ogg")
    if len(head) >= 12 and head[4:8] == b"ftyp" and _m4a_brand(head):
        return _audio("m4a")
    if _is_mp3(head, read_at):
        return _audio("mp3")
    if looks_like_email(head):
        return DetectedType("eml", *EML_TYPE)
    return None


def _audio(kind):
    return DetectedType(kind, *AUDIO_TYPES[kind])


def _m4a_brand(head):
    """ISO-BMFF `ftyp` box: the major brand, or one of the compatible brands, is an M4A one."""
    size = int.from_bytes(head[:4], "big")
    box = head[8:min(size, len(head))] if size >= 16 else head[8:16]
    brands = [box[i:i + 4] for i in range(0, len(box) - 3, 4)]
    brands = [brands[0]] + brands[2:] if brands else []  # skip the minor version
    return any(brand in M4A_BRANDS for brand in brands)


def _is_mp3(head, read_at):
    """Two consecutive MPEG audio frames, after an ID3v2 tag if there is one: a stray 0xFF byte
    or a tag in front of something else does not pass."""
    start = 0
    if head[:3] == b"ID3":
        # ID3v2: version, flags, then a 28-bit "syncsafe" size (each byte below 0x80).
        if len(head) < 10 or head[3] not in (2, 3, 4) or any(b >= 0x80 for b in head[6:10]):
            return False
        start = 10 + ((head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9])
        if head[5] & 0x10:
            start += 10  # footer
    frames = head[start:start + 4096]
    if len(frames) < 4096 and start + len(frames) >= len(head) and read_at is not None:
        frames = read_at(start, 4096)
    if not _frame_header(frames, 0):
        return False
    length = _frame_length(frames, 0)
    return length is not None and _frame_header(frames, length)


BITRATES_V1_L3 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
BITRATES_V2_L3 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]
SAMPLE_RATES = {3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000]}


def _frame_header(head, offset):
    """An MPEG audio frame header at `offset`: 11 sync bits, a valid version, layer, bitrate and rate."""
    if offset + 4 > len(head):
        return False
    b1, b2 = head[offset + 1], head[offset + 2]
    return (head[offset] == 0xFF and (b1 & 0xE0) == 0xE0 and (b1 >> 3) & 3 != 1 and (b1 >> 1) & 3 != 0
            and (b2 >> 4) != 0xF and (b2 >> 2) & 3 != 3)


def _frame_length(head, offset):
    b1, b2 = head[offset + 1], head[offset + 2]
    version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3
    if layer != 1:  # layer I or II: not a voicemail format
        return None
    bitrate = (BITRATES_V1_L3 if version == 3 else BITRATES_V2_L3)[b2 >> 4] * 1000
    rate = SAMPLE_RATES[version][(b2 >> 2) & 3]
    if not bitrate:
        return None
    return (144 if version == 3 else 72) * bitrate // rate + ((b2 >> 1) & 1)


def looks_like_email(head):
    """Text that starts with a header section holding at least one of From, Date or Subject."""
    if b"\x00" in head or not HEADER_LINE.match(head.lstrip(b"\r\n")[:200]):
        return False
    header_block = re.split(rb"\r?\n\r?\n", head, maxsplit=1)[0]
    names = {line.split(b":", 1)[0].strip().lower() for line in re.split(rb"\r?\n", header_block)
             if HEADER_LINE.match(line)}
    return any(name.decode("ascii", "replace") in MESSAGE_HEADERS for name in names)


def parse_email(path):
    """Sender, subject and date of a stored .eml; never raises for a malformed message."""
    problems = []
    try:
        with open(path, "rb") as handle:
            message = BytesParser(policy=policy.default).parse(handle, headersonly=True)
    except Exception as exc:  # noqa: BLE001 - a message the parser cannot read is kept, flagged
        return EmailInfo(problems=[f"meddelandet gick inte att tolka ({type(exc).__name__})"])
    if message.defects:
        problems.append("meddelandets rubrikdel är felaktig")
    sender = _header(message, "from", problems)
    if sender:
        name, address = parseaddr(sender)
        if not address or "@" not in address:
            problems.append("avsändaradressen går inte att tolka")
    subject = _header(message, "subject", problems)
    sent_at = None
    raw_date = _header(message, "date", problems)
    if raw_date:
        try:
            sent_at = parsedate_to_datetime(raw_date)
        except (TypeError, ValueError, IndexError):
            problems.append("datumet i meddelandet går inte att tolka")
        else:
            if sent_at.tzinfo is None:  # "-0000": the time zone is unknown; read as UTC
                sent_at = sent_at.replace(tzinfo=timezone.utc)
    for name in MESSAGE_HEADERS:
        if message.get(name) is None:
            problems.append(f"rubriken {name.capitalize()} saknas")
    return EmailInfo(sender=_clip(sender, 300), subject=_clip(subject, 300), sent_at=sent_at, problems=problems)


def _header(message, name, problems):
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 - the policy parses structured headers lazily, and may fail
        problems.append(f"rubriken {name.capitalize()} går inte att tolka")
        return None
    if value is None:
        return None
    if getattr(value, "defects", None):
        problems.append(f"rubriken {name.capitalize()} är felaktig")
    return " ".join(str(value).split()) or None


def _clip(value, length):
    return value[:length] if value else value
