// Helpers shared by the example's pages: mount a card Element, show results.

function mountCard(stripe) {
  const card = stripe.elements().create("card", {
    style: {
      base: {color: "#32325d", fontSize: "16px", "::placeholder": {color: "#aab7c4"}},
      invalid: {color: "#df1b41"},
    },
  });
  card.mount("#card-element");
  card.on("change", (event) => {
    document.getElementById("card-errors").textContent = event.error ? event.error.message : "";
  });
  return card;
}

function showMessage(text, state, intentId) {
  const box = document.getElementById("payment-message");
  box.hidden = false;
  box.textContent = text;
  box.dataset.state = state;
  if (intentId) box.dataset.intent = intentId;
}

function showError(error, intent) {
  showMessage(error.message, "error", intent && intent.id);
  document.getElementById("submit").disabled = false;
}

// Runs `handler` on submit with the button disabled; the handler re-enables it on error.
function onSubmit(handler) {
  const form = document.getElementById("payment-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    document.getElementById("submit").disabled = true;
    showMessage("Processing…", "processing");
    await handler();
  });
}

// The accept-a-payment flow of both the single-page and the server-rendered checkout:
// they differ only in where the client secret comes from.
function payWithCard(stripe, clientSecret) {
  const card = mountCard(stripe);
  onSubmit(async () => {
    const {paymentIntent, error} = await stripe.confirmCardPayment(await clientSecret(), {
      payment_method: {card, billing_details: {name: document.getElementById("cardholder-name").value}},
    });
    if (error) return showError(error, error.payment_intent);
    showMessage(`Payment ${paymentIntent.status}.`, paymentIntent.status, paymentIntent.id);
  });
}
