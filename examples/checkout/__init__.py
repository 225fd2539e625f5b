"""A small merchant checkout on tender: the official `stripe` SDK on the server, tender.js
(Stripe.js-compatible) in the browser.  Run it with `make example` or
`python -m examples.checkout`; see README.md beside this file."""
