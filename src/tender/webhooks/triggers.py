"""What `tender trigger <event>` sends to a running tender to cause that event.

Each fixture is a list of API calls, as data.  A call's response is kept under the
step's name, and later paths and parameters may refer to it (`{pi[id]}`,
`{pi[latest_charge]}`).  Calls whose documented answer is an error (a decline: 402)
are marked; the events they cause are committed all the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Step:
    name: str
    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    expect_error: bool = False


NOTE = {"description": "(created by tender trigger)"}
INTENT = {"amount": "2000", "currency": "usd", "payment_method_types[]": "card", **NOTE}


def _intent(**params: str) -> Step:
    return Step("pi", "POST", "/v1/payment_intents", {**INTENT, **params})


SUCCEEDED = _intent(payment_method="pm_card_visa", confirm="true")
DECLINED = Step(
    "pi", "POST", "/v1/payment_intents",
    {**INTENT, "payment_method": "pm_card_chargeDeclined", "confirm": "true"},
    expect_error=True,
)
HELD = _intent(payment_method="pm_card_visa", confirm="true", capture_method="manual")
REFUND = Step("re", "POST", "/v1/refunds", {"payment_intent": "{pi[id]}"})
CUSTOMER = Step("cus", "POST", "/v1/customers", {"email": "trigger@example.com", **NOTE})

FIXTURES: dict[str, list[Step]] = {
    "payment_intent.created": [_intent()],
    "payment_intent.succeeded": [SUCCEEDED],
    "payment_intent.payment_failed": [DECLINED],
    "payment_intent.canceled": [
        _intent(),
        Step("pi", "POST", "/v1/payment_intents/{pi[id]}/cancel"),
    ],
    "payment_intent.requires_action": [
        _intent(payment_method="pm_card_authenticationRequired", confirm="true"),
    ],
    "payment_intent.amount_capturable_updated": [HELD],
    "charge.succeeded": [SUCCEEDED],
    "charge.failed": [DECLINED],
    "charge.captured": [HELD, Step("pi", "POST", "/v1/payment_intents/{pi[id]}/capture")],
    "charge.updated": [
        SUCCEEDED,
        Step("ch", "POST", "/v1/charges/{pi[latest_charge]}", {"description": "updated by tender trigger"}),
    ],
    "charge.refunded": [SUCCEEDED, REFUND],
    "refund.created": [SUCCEEDED, REFUND],
    "refund.updated": [
        SUCCEEDED, REFUND,
        Step("re", "POST", "/v1/refunds/{re[id]}", {"metadata[trigger]": "tender"}),
    ],
    "customer.created": [CUSTOMER],
    "customer.updated": [
        CUSTOMER,
        Step("cus", "POST", "/v1/customers/{cus[id]}", {"metadata[trigger]": "tender"}),
    ],
    "payment_method.attached": [
        CUSTOMER,
        Step("pm", "POST", "/v1/payment_methods", {"type": "card", "card[token]": "tok_visa"}),
        Step("pm", "POST", "/v1/payment_methods/{pm[id]}/attach", {"customer": "{cus[id]}"}),
    ],
    "setup_intent.created": [
        Step("seti", "POST", "/v1/setup_intents", {"payment_method_types[]": "card", **NOTE}),
    ],
    "setup_intent.succeeded": [
        Step(
            "seti", "POST", "/v1/setup_intents",
            {"payment_method_types[]": "card", "payment_method": "pm_card_visa", "confirm": "true", **NOTE},
        ),
    ],
}


def resolve(template: str, saved: dict[str, dict[str, object]]) -> str:
    """`{pi[id]}` → the id of the object saved as `pi`."""
    return template.format(**saved)
