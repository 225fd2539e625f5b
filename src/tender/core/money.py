"""Currencies and amounts as data (stripe-behaviour §3.5).

Amounts are integers in the currency's smallest API unit: cents for usd, whole yen for
jpy (zero-decimal), thousandths for kwd (three-decimal, last digit 0), and hundredths for
isk/ugx even though those have no fractions (Stripe kept them ×100 for compatibility).
The account is a US account settling in usd: that fixes the supported currencies and
the minimum every charge must reach once converted.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from tender.core.errors import InvalidRequestError

ACCOUNT_COUNTRY = "US"
SETTLEMENT_CURRENCY = "usd"

# Presentment currencies a US account accepts, in the order Stripe lists them. tnd is
# left out: Stripe's own refusal reads "Stripe accounts in US do not support tnd".
SUPPORTED_CURRENCIES: tuple[str, ...] = (
    "usd", "aed", "afn", "all", "amd", "ang", "aoa", "ars", "aud", "awg", "azn", "bam",
    "bbd", "bdt", "bgn", "bhd", "bif", "bmd", "bnd", "bob", "brl", "bsd", "bwp", "byn",
    "bzd", "cad", "cdf", "chf", "clp", "cny", "cop", "crc", "cve", "czk", "djf", "dkk",
    "dop", "dzd", "egp", "etb", "eur", "fjd", "fkp", "gbp", "gel", "gip", "gmd", "gnf",
    "gtq", "gyd", "hkd", "hnl", "htg", "huf", "idr", "ils", "inr", "isk", "jmd", "jod",
    "jpy", "kes", "kgs", "khr", "kmf", "krw", "kwd", "kyd", "kzt", "lak", "lbp", "lkr",
    "lrd", "lsl", "mad", "mdl", "mga", "mkd", "mmk", "mnt", "mop", "mur", "mvr", "mwk",
    "mxn", "myr", "mzn", "nad", "ngn", "nio", "nok", "npr", "nzd", "omr", "pab", "pen",
    "pgk", "php", "pkr", "pln", "pyg", "qar", "ron", "rsd", "rub", "rwf", "sar", "sbd",
    "scr", "sek", "sgd", "shp", "sle", "sos", "srd", "std", "szl", "thb", "tjs", "top",
    "try", "ttd", "twd", "tzs", "uah", "ugx", "uyu", "uzs", "vnd", "vuv", "wst", "xaf",
    "xcd", "xof", "xpf", "yer", "zar", "zmw",
)  # fmt: skip
_SUPPORTED = frozenset(SUPPORTED_CURRENCIES)

# Charged in whole units: 500 jpy is ¥500.
ZERO_DECIMAL = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd",
     "vuv", "xaf", "xof", "xpf"}
)  # fmt: skip
# Charged in thousandths whose last digit must be 0: 5120 kwd is 5.120 KWD.
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})
# Zero-decimal in reality but sent ×100 with "00" decimals: 500 isk is 5 ISK. UGX is
# listed by Stripe both here and as zero-decimal; the ×100 rule wins.
WHOLE_UNITS_TIMES_100 = frozenset({"isk", "ugx"})

# Smallest charge by settlement currency, in that currency's minor units (table §3.5).
SETTLEMENT_MINIMUMS: dict[str, int] = {
    "usd": 50, "aud": 50, "brl": 50, "cad": 50, "chf": 50, "eur": 50, "inr": 50,
    "nzd": 50, "sgd": 50, "gbp": 30, "jpy": 50, "hkd": 400, "mxn": 1000, "thb": 1000,
    "myr": 200, "aed": 200, "pln": 200, "ron": 200, "bgn": 100, "dkk": 250, "nok": 300,
    "sek": 300, "czk": 1500, "huf": 17500,
}  # fmt: skip

# Largest amount in API units: 8 digits, 12 for idr.
MAXIMUM_AMOUNT = 99_999_999
MAXIMUM_AMOUNT_BY_CURRENCY: dict[str, int] = {"idr": 999_999_999_999}

# Units of each currency per 1 USD. APPROXIMATE and STATIC (rounded 2024-25 mid-market
# rates, never refreshed): good enough to refuse a ¥5 charge as below the settlement
# minimum, not for anything that moves money. Every supported currency has an entry.
USD_EXCHANGE_RATES: dict[str, Decimal] = {
    code: Decimal(rate)
    for code, rate in {
        "usd": "1", "aed": "3.67", "afn": "70", "all": "90", "amd": "390", "ang": "1.79",
        "aoa": "910", "ars": "1100", "aud": "1.55", "awg": "1.79", "azn": "1.70",
        "bam": "1.76", "bbd": "2", "bdt": "120", "bgn": "1.76", "bhd": "0.376",
        "bif": "2900", "bmd": "1", "bnd": "1.33", "bob": "6.91", "brl": "5.5",
        "bsd": "1", "bwp": "13.6", "byn": "3.27", "bzd": "2", "cad": "1.37",
        "cdf": "2850", "chf": "0.86", "clp": "940", "cny": "7.2", "cop": "4100",
        "crc": "510", "cve": "99", "czk": "22.5", "djf": "178", "dkk": "6.7",
        "dop": "61", "dzd": "133", "egp": "49", "etb": "130", "eur": "0.9",
        "fjd": "2.25", "fkp": "0.78", "gbp": "0.78", "gel": "2.75", "gip": "0.78",
        "gmd": "71", "gnf": "8600", "gtq": "7.7", "gyd": "209", "hkd": "7.8",
        "hnl": "25.5", "htg": "131", "huf": "360", "idr": "16000", "ils": "3.6",
        "inr": "84", "isk": "135", "jmd": "157", "jod": "0.709", "jpy": "150",
        "kes": "129", "kgs": "87", "khr": "4050", "kmf": "445", "krw": "1380",
        "kwd": "0.307", "kyd": "0.83", "kzt": "500", "lak": "21700", "lbp": "89500",
        "lkr": "300", "lrd": "195", "lsl": "18", "mad": "9.8", "mdl": "17.7",
        "mga": "4500", "mkd": "55", "mmk": "2100", "mnt": "3400", "mop": "8.05",
        "mur": "46", "mvr": "15.4", "mwk": "1730", "mxn": "19", "myr": "4.4",
        "mzn": "63.9", "nad": "18", "ngn": "1550", "nio": "36.7", "nok": "10.8",
        "npr": "134", "nzd": "1.7", "omr": "0.385", "pab": "1", "pen": "3.7",
        "pgk": "4", "php": "57", "pkr": "280", "pln": "3.9", "pyg": "7800",
        "qar": "3.64", "ron": "4.5", "rsd": "105", "rub": "90", "rwf": "1400",
        "sar": "3.75", "sbd": "8.4", "scr": "13.8", "sek": "10.5", "sgd": "1.33",
        "shp": "0.78", "sle": "22.5", "sos": "571", "srd": "35", "std": "22500",
        "szl": "18", "thb": "34", "tjs": "10.7", "top": "2.35", "try": "36",
        "ttd": "6.78", "twd": "32", "tzs": "2600", "uah": "41", "ugx": "3700",
        "uyu": "40", "uzs": "12700", "vnd": "25000", "vuv": "119", "wst": "2.75",
        "xaf": "590", "xcd": "2.7", "xof": "590", "xpf": "108", "yer": "250",
        "zar": "18", "zmw": "27",
    }.items()
}  # fmt: skip

# Prefix symbols where one is unambiguous; other currencies print as "5.120 KWD".
SYMBOLS: dict[str, str] = {
    "usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "inr": "₹", "krw": "₩", "ils": "₪",
    "ngn": "₦", "php": "₱", "vnd": "₫", "try": "₺", "uah": "₴", "rub": "₽",
}  # fmt: skip

FEE_PERCENT = Decimal("2.9")
FEE_FIXED_MAJOR = Decimal("0.30")  # of the charge currency's major unit


def decimals(currency: str) -> int:
    """Digits after the point in API amounts: 0 zero-decimal, 3 three-decimal, else 2."""
    if currency in WHOLE_UNITS_TIMES_100:
        return 2
    if currency in ZERO_DECIMAL:
        return 0
    if currency in THREE_DECIMAL:
        return 3
    return 2


def validate_currency(value: str, param: str = "currency") -> str:
    """The lowercase code if a US account supports it, else 400 naming every one it does."""
    currency = value.lower()
    if currency not in _SUPPORTED:
        raise InvalidRequestError(
            f"Invalid currency: {currency}. Stripe accounts in {ACCOUNT_COUNTRY} do not "
            f"support {currency}. Your account currently supports these currencies: "
            f"{', '.join(SUPPORTED_CURRENCIES)}.",
            param=param,
        )
    return currency


def validate_amount(amount: int, currency: str, param: str = "amount") -> None:
    """Positive; within the currency's maximum; at least the settlement minimum once
    converted to usd; last digit 0 for three-decimal and "00" for isk/ugx."""
    currency = validate_currency(currency)
    if amount < 1:
        raise InvalidRequestError(
            "This value must be greater than or equal to 1.",
            code="parameter_invalid_integer",
            param=param,
        )
    maximum = MAXIMUM_AMOUNT_BY_CURRENCY.get(currency, MAXIMUM_AMOUNT)
    if amount > maximum:
        raise InvalidRequestError(
            f"Amount must be no more than {format_amount(maximum, currency)}",
            code="amount_too_large",
            param=param,
        )
    _check_minimum(amount, currency, param)
    if currency in THREE_DECIMAL and amount % 10:
        raise InvalidRequestError(
            f"Invalid amount {amount} for {currency}: amounts are sent in thousandths and "
            f"the last digit must be 0 (e.g. {amount - amount % 10} for "
            f"{format_amount(amount - amount % 10, currency)}).",
            code="invalid_charge_amount",
            param=param,
        )
    if currency in WHOLE_UNITS_TIMES_100 and amount % 100:
        raise InvalidRequestError(
            f"Invalid amount {amount} for {currency}: {currency} has no fractional "
            f"units, so amounts are sent ×100 and must be divisible by 100 (e.g. "
            f"{amount - amount % 100} for "
            f"{format_amount(amount - amount % 100, currency)}).",
            code="invalid_charge_amount",
            param=param,
        )


def _check_minimum(amount: int, currency: str, param: str) -> None:
    minimum = SETTLEMENT_MINIMUMS[SETTLEMENT_CURRENCY]
    if currency == SETTLEMENT_CURRENCY:
        if amount < minimum:
            raise InvalidRequestError(
                f"Amount must be at least {format_amount(minimum, currency)} {currency}",
                code="amount_too_small",
                param=param,
            )
        return
    converted = _to_settlement_minor_units(amount, currency)
    if converted < minimum:
        raise InvalidRequestError(
            f"Amount must convert to at least {_describe_minimum(minimum)}. "
            f"{format_amount(amount, currency)} converts to approximately "
            f"{format_amount(_round(converted), SETTLEMENT_CURRENCY)}.",
            code="amount_too_small",
            param=param,
        )


def _to_settlement_minor_units(amount: int, currency: str) -> Decimal:
    major = Decimal(amount).scaleb(-decimals(currency))
    usd = major / USD_EXCHANGE_RATES[currency] * USD_EXCHANGE_RATES[SETTLEMENT_CURRENCY]
    return usd.scaleb(decimals(SETTLEMENT_CURRENCY))


def _describe_minimum(minimum: int) -> str:
    # Stripe words the usd minimum as "50 cents".
    if SETTLEMENT_CURRENCY == "usd" and minimum < 100:
        return f"{minimum} cents"
    return format_amount(minimum, SETTLEMENT_CURRENCY)


def format_amount(amount: int, currency: str) -> str:
    """Human form of an API amount: "$21.45", "¥500", "5.120 KWD", "5 ISK"."""
    currency = currency.lower()
    places = decimals(currency)
    if currency in WHOLE_UNITS_TIMES_100 and amount % 100 == 0:
        amount, places = amount // 100, 0
    sign = "-" if amount < 0 else ""
    major, minor = divmod(abs(amount), 10**places)
    number = f"{major:,}" + (f".{minor:0{places}d}" if places else "")
    symbol = SYMBOLS.get(currency)
    if symbol is not None:
        return f"{sign}{symbol}{number}"
    return f"{sign}{number} {currency.upper()}"


def stripe_fee(amount: int, currency: str) -> int:
    """Processing fee: 2.9% plus 0.30 of the currency's major unit, rounded half up.

    That fixed part is 30 minor units for two-decimal currencies, 300 for three-decimal
    ones and nothing for zero-decimal ones (0.30 yen rounds to 0). 3340 usd → 127.
    """
    if amount <= 0:
        return 0
    fixed = _round(FEE_FIXED_MAJOR.scaleb(decimals(currency.lower())))
    return _round(Decimal(amount) * FEE_PERCENT / 100 + fixed)


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
