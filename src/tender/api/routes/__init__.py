"""Every API endpoint, one module per resource."""

from tender.api.routes import balance, charges, payment_intents, payment_methods, refunds

ALL_ENDPOINTS = [
    *payment_intents.ENDPOINTS,
    *payment_methods.ENDPOINTS,
    *charges.ENDPOINTS,
    *refunds.ENDPOINTS,
    *balance.ENDPOINTS,
]
