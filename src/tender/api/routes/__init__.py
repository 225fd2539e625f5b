"""Every API endpoint, one module per resource."""

from tender.api.routes import (
    balance,
    charges,
    customers,
    events,
    payment_intents,
    payment_methods,
    refunds,
    setup_intents,
    webhook_endpoints,
)

ALL_ENDPOINTS = [
    *payment_intents.ENDPOINTS,
    *payment_methods.ENDPOINTS,
    *charges.ENDPOINTS,
    *refunds.ENDPOINTS,
    *balance.ENDPOINTS,
    *customers.ENDPOINTS,
    *setup_intents.ENDPOINTS,
    *events.ENDPOINTS,
    *webhook_endpoints.ENDPOINTS,
]
