"""Find personal identifiers in free text, in the forms people really type them, and mask them.

People write an SSN as 123-45-6789, 123.45.6789, 123 - 45 - 6789 (any dash) or
123456789; a birth date as 03/14/1985, 1985/03/14, 14.03.1985, 14 March 1985 or 14 de
marzo de 1985; a phone as (202) 555-0143, 202.555.0143 or +1 202 555 0143. Each kind
below is found whatever its separators, and replaced by a mask of a fixed shape:

- SSNs (and any bare nine-digit number, which may be one) and "last four" digits are
  hidden entirely (``***-**-****``, ``last four ****``): the last four of an SSN is what
  the lookups verify a person with, so it is never kept;
- dates become ``**/**/****``; e-mail addresses ``***@***``; ZIP+4 codes ``*****-****``;
  street addresses and PO boxes ``[address]``; names given with identity details ``[name]``;
- phone, card (Luhn-checked), A-, case, claim and account numbers keep their last four
  characters, so staff can tell two of them apart (``(***) ***-0143``).

Toll-free numbers stay (a person quotes an agency's line, never their own), as do
years, amounts, counts and form names ("2027", "$1,842", "120 payments", "I-485").
Masking twice changes nothing. Phone numbers are found by Google's libphonenumber
(`phonenumbers`), which knows every country's formats; the rest are patterns here,
with the words that tell a street or a name from ordinary text in data/masking.yml.
Presidio was not used: its recognisers need a spaCy model fetched at run time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import phonenumbers
import yaml

from bot.identity_phrases import LAST4_CUE, LAST4_PHRASE, NAME_END, NAME_LEAD, NAME_PHRASE
from bot.settings import REPO_ROOT

MASKED_SSN = "***-**-****"
MASKED_DATE = "**/**/****"
MASKED_EMAIL = "***@***"
MASKED_ZIP4 = "*****-****"
MASKED_ADDRESS = "[address]"
MASKED_NAME = "[name]"

# Every dash people type between digits: hyphen, non-breaking hyphen, figure, en and em
# dash, minus, and their small and full-width forms.
_DASHES = "\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"

# SSN: 3-2-4 digits, each gap at most four characters that are not letters or digits
# (123-45-6789, 123.45.6789, 123 -- 45 -- 6789 with any dash, 123_45_6789), nine in a
# row, or 3-3-3 groups (123 456 789) unless commas part them (123,456,789 is an amount).
# Not money: "$123456789" is an amount.
SSN = re.compile(
    r"(?<![\w$])\d{3}(?:(?:[\W_]{1,4})?\d{2}(?:[\W_]{1,4})?\d{4}"
    r"|(?:[^\w,]|_){1,4}\d{3}(?:[^\w,]|_){1,4}\d{3})(?![\w])"
)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")

_EN_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_ES_MONTHS = (
    r"enero|ene|febrero|marzo|abril|abr|mayo|junio|julio|agosto|ago|se?ptiembre|"
    r"octubre|noviembre|diciembre|dic"
)
_MONTH = rf"(?:{_EN_MONTHS}|{_ES_MONTHS})"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH_NUMBER = r"(?:0?[1-9]|1[0-2])"
_YEAR4 = r"(?:19|20)\d{2}"
_ORDINAL = r"(?:st|nd|rd|th|º|°)?"
_DATE_SEP = rf"\s*[/.{_DASHES}]\s*"  # a written separator (not spaces alone)
DATES = [
    # 1985-03-14, 1985/03/14, 1985.03.14, 1985 - 03 - 14 (any dash)
    re.compile(rf"\b\d{{4}}{_DATE_SEP}\d{{1,2}}{_DATE_SEP}\d{{1,2}}\b"),
    # 03/14/1985, 3-14-85, 14.03.1985
    re.compile(rf"\b\d{{1,2}}{_DATE_SEP}\d{{1,2}}{_DATE_SEP}(?:\d{{4}}|\d{{2}})\b"),
    # 03 14 1985, 1985 03 14: spaces alone only with a plausible day, month and year
    re.compile(rf"\b(?:{_DAY}\s+{_DAY}\s+{_YEAR4}|{_YEAR4}\s+{_MONTH_NUMBER}\s+{_DAY})\b"),
    # March 14, 1985; Mar-14-1985; marzo 14 de 1985
    re.compile(
        rf"\b{_MONTH}\.?(?:\s+|{_DATE_SEP}){_DAY}{_ORDINAL},?(?:\s+de\s+|\s+|{_DATE_SEP})"
        rf"(?:\d{{4}}|'\d{{2}})\b",
        re.I,
    ),
    # 14 March 1985; the 14th of March, 1985; 14-Mar-1985; 14 de marzo de 1985
    re.compile(
        rf"\b{_DAY}{_ORDINAL}(?:\s+(?:of|de)\s+|\s+|{_DATE_SEP}){_MONTH}\.?,?"
        rf"(?:\s+de\s+|\s+|{_DATE_SEP})(?:\d{{4}}|'\d{{2}})\b",
        re.I,
    ),
]
# 19850314 or 03141985: eight digits that read as a real date.
COMPACT_DATE = re.compile(r"(?<![\w$])(\d{8})(?!\w)")
ZIP4 = re.compile(rf"\b\d{{5}}\s*[{_DASHES}]\s*\d{{4}}\b")
# A card: 13 to 19 digits, in groups or not, that pass the Luhn check.
CARD_CANDIDATE = re.compile(r"(?<![\w$])\d(?:[ .\-]?\d){12,18}(?![\w])")
# USCIS A-number: "A" then 8 or 9 digits, in groups or not (A123456789, A 123 456 789,
# A-number: 123-456-789, a# 12345678). A lowercase "a" only with "number" or "#" (not
# the article: "a 123-45-6789" is an SSN).
A_NUMBER = re.compile(
    r"\b(?:(?-i:A)|a(?=[\s\-]*(?:number|#|no\.|n[uú]mero)))[\s#.\-]*(?:number|no\.?|n[uú]mero)?"
    r"[\s#:.\-]*(\d(?:[\s.\-]?\d){7,8})(?![\w])",
    re.I,
)
# Case, claim, application, account and traveler numbers: a token of 6 or more
# letters/digits/dashes holding at least 5 digits.
NUMBER_TOKEN = re.compile(r"\b(?=(?:[A-Za-z-]*\d){5})[A-Za-z0-9][A-Za-z0-9-]{5,}\b")
_YEAR_RANGE = re.compile(r"(?:19|20)\d\d-(?:19|20)?\d\d")  # "the 2024-2025 school year"

WORDS_FILE = REPO_ROOT / "data" / "masking.yml"
_WORDS = yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))
_STREET_SUFFIX = "|".join(sorted(map(str, _WORDS["street_suffixes"]), key=len, reverse=True))
_EVERYDAY_SUFFIXES = frozenset(map(str, _WORDS["everyday_suffixes"]))
_NOT_NAME_WORDS = frozenset(map(str, _WORDS["not_name_words"]))
_NAME_PARTICLES = frozenset(map(str, _WORDS["name_particles"]))
_UNIT = (
    r"(?:,?\s*(?:apt|apartment|unit|suite|ste|#|fl|floor|rm|room)\.?\s*#?\s*"
    r"(?:(?=[\w-]*\d)[\w-]{1,6}\b|[a-z]\b))?"
)
STREET_ADDRESS = re.compile(
    rf"(?<![\w$.,])(?P<number>\d{{1,6}}[a-z]?(?:[-/]\d{{1,4}}[a-z]?)?)\s+"
    rf"(?P<name>(?:[\w'.-]+\s+){{1,4}}?)(?P<suffix>{_STREET_SUFFIX})\b\.?"
    rf"(?:\s+(?:[NS][EW]?|[EW])\b\.?)?{_UNIT}",
    re.I,
)
PO_BOX = re.compile(r"\bp\.?\s*o\.?\s*box\s*#?\s*\d+\b", re.I)
_APOSTROPHES = "'\u2019"
_NAME_WORD = rf"[^\W\d_]+(?:[{_APOSTROPHES}\-.][^\W\d_]+)*\.?"
_EXPLICIT_NAME = re.compile(
    rf"\b(?:my\s+name\s+is|my\s+name's|full\s+name\s*(?:is|:)|name\s*:|me\s+llamo|"
    rf"mi\s+nombre\s+es|mi\s+apellido\s+es|apellido\s*:?)\s+(?P<name>{_NAME_WORD}"
    rf"(?:\s+{_NAME_WORD}){{0,3}})",
    re.I,
)
# Where the clauses of an identity message break: the name's end cues, and any digit
# or mask (a name never holds one).
_CLAUSE_BREAK = re.compile(rf"{NAME_END.pattern}|[\d*\[\]()?!]", re.I)
# A four-digit number that is not a year, in a message holding identity details.
_BARE_FOUR = re.compile(r"(?<![\w$.,*/-])(?!(?:19|20)\d\d\b)\d{4}(?![\w,.]\d|[\w*/-])")


def luhn_valid(digits: str) -> bool:
    """The checksum every payment card number carries (ISO/IEC 7812)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def keep_last4_digits(text: str) -> str:
    """Every digit but the last four starred; separators and letters kept."""
    digits = sum(c.isdigit() for c in text)
    seen = 0
    out = []
    for char in text:
        if char.isdigit():
            seen += 1
            out.append(char if seen > digits - 4 else "*")
        else:
            out.append(char)
    return "".join(out)


def _keep_last4_chars(match: re.Match[str]) -> str:
    token = match.group(0)
    if _is_toll_free(token) or _YEAR_RANGE.fullmatch(token):
        return token
    return re.sub(r"[A-Za-z0-9]", "*", token[:-4]) + token[-4:]


def _is_date(digits: str) -> bool:
    for year, month, day in (
        (digits[:4], digits[4:6], digits[6:]),
        (digits[4:], digits[:2], digits[2:4]),
        (digits[4:], digits[2:4], digits[:2]),
    ):
        try:
            if 1900 <= int(year) <= 2099 and date(int(year), int(month), int(day)):
                return True
        except ValueError:
            continue
    return False


def mask_dates(text: str) -> str:
    for pattern in DATES:
        text = pattern.sub(MASKED_DATE, text)
    return COMPACT_DATE.sub(lambda m: MASKED_DATE if _is_date(m.group(1)) else m.group(0), text)


def mask_cards(text: str) -> str:
    def card(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        return keep_last4_digits(match.group(0)) if luhn_valid(digits) else match.group(0)

    return CARD_CANDIDATE.sub(card, text)


def mask_a_numbers(text: str) -> str:
    def a_number(match: re.Match[str]) -> str:
        start, end = match.span(1)
        whole = match.group(0)
        offset = match.start()
        return whole[: start - offset] + keep_last4_digits(match.group(1)) + whole[end - offset :]

    return A_NUMBER.sub(a_number, text)


_TOLL_FREE = phonenumbers.PhoneNumberType.TOLL_FREE
_SEVEN_DIGITS = re.compile(r"(?:\d\D{0,3}){7}")


def _is_toll_free(token: str) -> bool:
    try:
        number = phonenumbers.parse(token, "US")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) == _TOLL_FREE


def mask_phones(text: str) -> str:
    """Phone numbers in any national or international format (US first). A match inside
    a longer token ("FSA-2026-004417") is not a phone number."""
    if not _SEVEN_DIGITS.search(text):
        return text
    spans = []
    for match in phonenumbers.PhoneNumberMatcher(text, "US", phonenumbers.Leniency.POSSIBLE):
        start, end = match.start, match.end
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if before.isalnum() or before in "-/" or after.isalnum():
            continue
        if phonenumbers.number_type(match.number) == _TOLL_FREE:
            continue
        spans.append((start, end))
    for start, end in reversed(spans):
        text = text[:start] + keep_last4_digits(text[start:end]) + text[end:]
    return text


def _street_name_fits(name: str, suffix: str, number: str) -> bool:
    words = name.split()
    if any(w.lower().strip(".,'") in _NOT_NAME_WORDS for w in words):
        return False
    if suffix.lower() in _EVERYDAY_SUFFIXES:
        return len(re.sub(r"\D", "", number)) >= 3 or all(w[:1].isupper() for w in words)
    return True


def mask_addresses(text: str) -> str:
    def address(match: re.Match[str]) -> str:
        fits = _street_name_fits(match["name"], match["suffix"], match["number"])
        return MASKED_ADDRESS if fits else match.group(0)

    text = PO_BOX.sub(MASKED_ADDRESS, text)
    return STREET_ADDRESS.sub(address, text)


def _is_name(words: list[str]) -> bool:
    if not 1 <= len(words) <= 4:
        return False
    lowered = [w.lower().strip(f".{_APOSTROPHES}") for w in words]
    if lowered[-1] in _NAME_PARTICLES:
        return False
    return not any(w in _NOT_NAME_WORDS for w in lowered if w not in _NAME_PARTICLES)


_MASKED_LAST4 = re.compile(rf"{LAST4_CUE}\*{{4}}", re.I)


def _has_identity_details(text: str) -> bool:
    return MASKED_DATE in text or MASKED_SSN in text or bool(_MASKED_LAST4.search(text))


def mask_names(text: str) -> str:
    """A family name said as one ("last name is Okafor", "my name is Maria Rivera"), and
    the name a message opens with when it also gives a birth date, an SSN or its last
    four ("Rivera, born 03/14/1985, last four 4821"), with any other four-digit number
    in it that is not a year. Dates and numbers must already be masked: the masks are
    what marks the message as identity details."""
    text = NAME_PHRASE.sub(lambda m: m.group(0)[: m.start(1) - m.start()] + MASKED_NAME, text)

    def explicit(match: re.Match[str]) -> str:
        words = match["name"].split()
        while words and not _is_name(words):
            words.pop()
        if not words:
            return match.group(0)
        whole, offset = match.group(0), match.start()
        name_end = match.start("name") + len(" ".join(words)) - offset
        return whole[: match.start("name") - offset] + MASKED_NAME + whole[name_end:]

    text = _EXPLICIT_NAME.sub(explicit, text)
    if not _has_identity_details(text):
        return text
    return _BARE_FOUR.sub(_bare_four, _mask_leading_name(text))


def _bare_four(match: re.Match[str]) -> str:
    """ "****" unless the digits end a longer number, or are what a mask kept of one
    ("202 555 0143", "*** *** 0143"); after a whole mask ("**/**/**** 4821") they go."""
    before = match.string[: match.start()].rstrip(" .)-")
    if before[-1:].isdigit():
        return match.group(0)
    if before.endswith("*") and not before.endswith((MASKED_DATE, MASKED_SSN)):
        return match.group(0)
    return "****"


def _mask_leading_name(text: str) -> str:
    """The name a message opens with, past any greeting: "Hi, Maria Rivera, born ...",
    "I'm Nguyen, dob ...", "Rivera 03/14/1985 4821". Capitalised words only, ended by a
    clause break: ordinary openings ("I'm retiring, my SSN is ...") stay."""
    position = 0
    for brk in _CLAUSE_BREAK.finditer(text):
        clause = text[position : brk.start()]
        words = _words(clause)
        if words and all(w.lower() in _NOT_NAME_WORDS for w in words):
            position = brk.end()  # a greeting or filler: the name may follow
            continue
        if words:
            return text[:position] + _masked_clause(clause) + text[brk.start() :]
        position = brk.end()
    return text


def _words(clause: str) -> list[str]:
    return clause.strip(" .,;:\"'").split()


def _masked_clause(clause: str) -> str:
    lead = NAME_LEAD.match(clause.strip())
    words = _words(clause.strip()[lead.end() :] if lead else clause)
    if not words or not _is_name(words):
        return clause
    if not all(re.fullmatch(_NAME_WORD, w) for w in words):
        return clause
    if not all(w[:1].isupper() for w in words if w.lower() not in _NAME_PARTICLES):
        return clause
    start = clause.index(words[0])
    end = clause.rindex(words[-1]) + len(words[-1])
    return clause[:start] + MASKED_NAME + clause[end:]


def mask_last_four(text: str) -> str:
    return LAST4_PHRASE.sub(lambda m: m.group(0)[: m.start(1) - m.start()] + "****", text)


# In order: each step sees what the ones before it left, so a number is masked once,
# as the most specific kind it can be.
MASKS: list[Callable[[str], str]] = [
    lambda text: EMAIL.sub(MASKED_EMAIL, text),
    lambda text: ZIP4.sub(MASKED_ZIP4, text),
    mask_a_numbers,
    lambda text: SSN.sub(MASKED_SSN, text),
    mask_last_four,
    mask_cards,
    mask_dates,
    mask_phones,
    mask_addresses,
    lambda text: NUMBER_TOKEN.sub(_keep_last4_chars, text),
    mask_names,
]


# Every mask needs a digit, an "@" or a word that introduces a name: most strings in a
# conversation (intent names, "yes", questions) have none and are returned at once.
_MAY_HOLD_IDENTIFIER = re.compile(r"[\d@]|name|llamo|nombre|apellido", re.I)


def mask_text(text: str) -> str:
    """The text with every identifier-like value masked."""
    if not _MAY_HOLD_IDENTIFIER.search(text):
        return text
    for mask in MASKS:
        text = mask(text)
    return text
