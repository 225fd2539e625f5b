"""Static assets tender serves to browsers: tender.js, the Stripe.js-compatible client."""
