/*
 * tender.js: a Stripe.js-compatible client for tender, served at /js/v3.
 *
 * A page written for Stripe.js works by loading this script instead of
 * https://js.stripe.com/v3 and passing tender's publishable key:
 *
 *   <script src="http://127.0.0.1:12111/js/v3"></script>
 *   const stripe = Stripe("pk_test_…");               // API base: where this script came from
 *   const stripe = Stripe("pk_test_…", {apiBase: "http://tender.internal:12111"});
 *
 * The surface (stripe-behaviour §10): elements(), create('card' | 'cardNumber' |
 * 'cardExpiry' | 'cardCvc' | 'payment'), confirmCardPayment, handleCardAction,
 * handleNextAction, confirmCardSetup, confirmPayment, confirmSetup, createPaymentMethod,
 * retrievePaymentIntent, retrieveSetupIntent.  Every method resolves `{paymentIntent}`,
 * `{setupIntent}`, `{paymentMethod}` or `{error}`; only misuse (a malformed client
 * secret, a missing return_url) rejects, with an IntegrationError, as Stripe.js does.
 *
 * Card inputs live in the merchant's page (no iframe): card data goes from the browser
 * straight to tender with the publishable key, never through the merchant's server.
 * Nothing here logs, and the client secret travels only where Stripe.js sends it: the
 * confirm body, the retrieve query, and the return_url of a redirect flow.
 */
(function (global) {
  "use strict";

  if (global.Stripe && global.Stripe.tender) return; // loaded twice: keep the first

  const VERSION = "0.1.0";
  const USER_AGENT = "tender.js/" + VERSION;
  const SCRIPT_SRC = scriptSource();

  class IntegrationError extends Error {
    constructor(message) {
      super(message);
      this.name = "IntegrationError";
    }
  }

  function scriptSource() {
    const current = global.document && document.currentScript;
    if (current && current.src) return current.src;
    const scripts = global.document ? document.querySelectorAll("script[src]") : [];
    for (const script of scripts) {
      if (/\/js\/v3(\/|\/tender\.js)?(\?.*)?$/.test(script.src)) return script.src;
    }
    return global.location ? global.location.href : "http://127.0.0.1:12111/";
  }

  // ---------------------------------------------------------------- the API -----------

  /** Stripe's bracket notation: {card: {number: "4242"}} → card[number]=4242. */
  function encodeForm(params) {
    const pairs = [];
    const walk = (value, name) => {
      if (value === undefined || typeof value === "function") return;
      if (value === null) {
        pairs.push([name, ""]);
      } else if (Array.isArray(value)) {
        value.forEach((item, i) => walk(item, `${name}[${i}]`));
      } else if (typeof value === "object") {
        for (const [key, item] of Object.entries(value)) walk(item, name ? `${name}[${key}]` : key);
      } else {
        pairs.push([name, String(value)]);
      }
    };
    walk(params, "");
    return new URLSearchParams(pairs).toString();
  }

  const CONNECTION_ERROR = {
    type: "api_connection_error",
    message: "An error occurred with our connection to the payments server. Please try again.",
  };

  class ApiClient {
    constructor(key, base, apiVersion) {
      this.key = key;
      this.base = base.replace(/\/+$/, "");
      this.apiVersion = apiVersion;
    }

    /** Resolves {object} or {error}; never rejects. The key travels as `key=`, as Stripe.js sends it. */
    async request(method, path, params) {
      const form = encodeForm(Object.assign({}, params, {
        key: this.key,
        _stripe_version: this.apiVersion || undefined,
      }));
      // Form bodies and plain GETs are CORS "simple" requests: no pre-flight round trip.
      // Only the page's origin goes along as Referer: a return_url page holds the secret in its query.
      const init = method === "GET"
        ? {method, credentials: "omit", cache: "no-store", referrerPolicy: "origin"}
        : {
          method,
          body: form,
          credentials: "omit",
          referrerPolicy: "origin",
          headers: {"Content-Type": "application/x-www-form-urlencoded"},
        };
      const url = this.base + path + (method === "GET" ? "?" + form : "");
      let response;
      try {
        response = await fetch(url, init);
      } catch (_) {
        return {error: Object.assign({}, CONNECTION_ERROR)};
      }
      let body = null;
      try {
        body = await response.json();
      } catch (_) {
        body = null;
      }
      if (response.ok && body && !body.error) return {object: body};
      if (body && body.error) return {error: body.error};
      return {
        error: {type: "api_error", message: `Unexpected answer from the payments server (HTTP ${response.status}).`},
      };
    }
  }

  // ------------------------------------------------------------ intents ---------------

  const KINDS = {
    payment_intent: {
      path: "/v1/payment_intents", key: "paymentIntent", lastError: "last_payment_error", noun: "PaymentIntent",
    },
    setup_intent: {
      path: "/v1/setup_intents", key: "setupIntent", lastError: "last_setup_error", noun: "SetupIntent",
    },
  };
  const SECRET_PATTERN = /^((pi|seti)_[A-Za-z0-9]+)_secret_[A-Za-z0-9]+$/;
  const REDIRECT_STATUS = {
    succeeded: "succeeded", requires_capture: "succeeded", requires_confirmation: "succeeded", processing: "processing",
  };

  /** {id, kind} from a client secret; misuse rejects as in Stripe.js (the value is never echoed). */
  function parseSecret(method, secret, expected) {
    const match = typeof secret === "string" ? SECRET_PATTERN.exec(secret) : null;
    const kind = match ? (match[2] === "pi" ? "payment_intent" : "setup_intent") : null;
    if (!match || (expected && kind !== expected)) {
      const noun = KINDS[expected || "payment_intent"].noun;
      throw new IntegrationError(
        `Invalid value for ${method}: the client secret should be a ${noun} client_secret string ` +
        `(\`${expected === "setup_intent" ? "seti" : "pi"}_…_secret_…\`).`,
      );
    }
    return {id: match[1], kind};
  }

  /** The merchant's return_url with the parameters Stripe's redirect flow appends (§1.6). */
  function returnUrlFor(returnUrl, kind, intent) {
    const url = new URL(returnUrl, global.location.href);
    url.searchParams.append(kind, intent.id);
    url.searchParams.append(`${kind}_client_secret`, intent.client_secret);
    url.searchParams.append("redirect_status", REDIRECT_STATUS[intent.status] || "failed");
    return url.toString();
  }

  function navigate(url) {
    global.location.assign(url);
    return new Promise(() => {}); // the page is leaving: the promise never settles, as in Stripe.js
  }

  // ------------------------------------------------------------- 3-D Secure -----------

  const CHALLENGE_POLL_MS = 1000;

  /**
   * Shows the challenge page in a modal iframe and resolves "answered" when the page
   * says so (postMessage), "changed" when polling sees the intent move on, or "closed"
   * when the customer dismisses the modal.
   */
  function openChallenge(url, stillPending) {
    injectStyles();
    return new Promise((resolve) => {
      const overlay = el("div", {class: "TenderChallenge", role: "dialog", "aria-modal": "true",
        "aria-label": "3D Secure authentication"});
      const box = el("div", {class: "TenderChallenge-box"});
      const close = el("button", {type: "button", class: "TenderChallenge-close", "aria-label": "Close"});
      close.textContent = "×";
      const frame = el("iframe", {name: "tender-3ds-challenge", class: "TenderChallenge-frame",
        title: "3D Secure authentication", referrerpolicy: "origin", src: url});
      box.append(close, frame);
      overlay.append(box);
      const previousFocus = document.activeElement;
      document.body.appendChild(overlay);
      frame.addEventListener("load", () => frame.focus(), {once: true});
      const origin = new URL(url, global.location.href).origin;
      let timer = null;
      let settled = false;
      const finish = (how) => {
        if (settled) return;
        settled = true;
        global.removeEventListener("message", onMessage);
        clearTimeout(timer);
        overlay.remove();
        if (previousFocus && previousFocus.focus) previousFocus.focus();
        resolve(how);
      };
      const onMessage = (event) => {
        const data = event.data;
        if (event.origin === origin && event.source === frame.contentWindow && data &&
            data.type === "tender-3ds-complete") {
          finish("answered");
        }
      };
      const poll = async () => {
        if (settled) return;
        if (!(await stillPending())) {
          finish("changed");
          return;
        }
        timer = setTimeout(poll, CHALLENGE_POLL_MS);
      };
      global.addEventListener("message", onMessage);
      close.addEventListener("click", () => finish("closed"));
      timer = setTimeout(poll, CHALLENGE_POLL_MS);
    });
  }

  /** Closing the modal is a failed authentication (§10.2): answer the page with "fail". */
  async function abandonChallenge(url) {
    try {
      await fetch(url, {
        method: "POST", mode: "no-cors", credentials: "omit", referrerPolicy: "origin",
        body: new URLSearchParams({action: "fail"}),
      });
    } catch (_) {
      // The intent is read again right after; whatever state it is in is what we report.
    }
  }

  // ------------------------------------------------------------ card rules ------------

  const BRANDS = [
    {brand: "amex", pattern: /^3[47]/, lengths: [15], cvc: [4], gaps: [4, 10]},
    {brand: "diners", pattern: /^(30[0-5]|309|36|38|39)/, lengths: [14, 16, 19], cvc: [3],
      gaps: [4, 10], gapsByLength: {16: [4, 8, 12], 19: [4, 8, 12, 16]}},
    {brand: "jcb", pattern: /^(352[89]|35[3-8])/, lengths: [16, 17, 18, 19], cvc: [3], gaps: [4, 8, 12, 16]},
    {brand: "discover", pattern: /^(6011|64[4-9]|65)/, lengths: [16, 17, 18, 19], cvc: [3], gaps: [4, 8, 12, 16]},
    {brand: "unionpay", pattern: /^(62|81)/, lengths: [16, 17, 18, 19], cvc: [3], gaps: [4, 8, 12, 16]},
    {brand: "mastercard", pattern: /^(5[1-5]|222[1-9]|22[3-9]|2[3-6]|27[01]|2720)/, lengths: [16], cvc: [3],
      gaps: [4, 8, 12]},
    {brand: "visa", pattern: /^4/, lengths: [16], cvc: [3], gaps: [4, 8, 12]},
  ];
  const UNKNOWN_BRAND = {brand: "unknown", pattern: /$^/, lengths: [16, 17, 18, 19], cvc: [3, 4], gaps: [4, 8, 12, 16]};
  const BRAND_LABELS = {
    visa: "VISA", mastercard: "MC", amex: "AMEX", discover: "DISC", diners: "DINERS", jcb: "JCB", unionpay: "UP",
  };

  const MESSAGES = {
    incomplete_number: "Your card number is incomplete.",
    invalid_number: "Your card number is invalid.",
    incomplete_expiry: "Your card's expiration date is incomplete.",
    invalid_expiry_month: "Your card's expiration date is invalid.",
    invalid_expiry_month_past: "Your card's expiration date is in the past.",
    invalid_expiry_year_past: "Your card's expiration year is in the past.",
    invalid_expiry_year: "Your card's expiration year is invalid.",
    incomplete_cvc: "Your card's security code is incomplete.",
    incomplete_zip: "Your postal code is incomplete.",
  };

  function validationError(code) {
    return {type: "validation_error", code, message: MESSAGES[code]};
  }

  function brandOf(digits) {
    return BRANDS.find((b) => b.pattern.test(digits)) || UNKNOWN_BRAND;
  }

  function luhn(digits) {
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
      let d = digits.charCodeAt(digits.length - 1 - i) - 48;
      if (i % 2 === 1) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
    }
    return digits.length > 0 && sum % 10 === 0;
  }

  function formatNumber(digits, spec) {
    const gaps = (spec.gapsByLength && spec.gapsByLength[digits.length]) || spec.gaps;
    let out = "";
    for (let i = 0; i < digits.length; i++) {
      if (gaps.includes(i)) out += " ";
      out += digits[i];
    }
    return out;
  }

  /**
   * One part's state: `error` shows at once (an impossible value), `pending` once the
   * customer has left the field or tries to pay (an unfinished value).
   */
  const CHECKS = {
    number(value) {
      const digits = value.replace(/\D/g, "");
      const spec = brandOf(digits);
      const longest = Math.max(...spec.lengths);
      if (!digits) return {empty: true, complete: false, pending: "incomplete_number"};
      const valid = luhn(digits);
      if (spec.lengths.includes(digits.length) && valid) return {empty: false, complete: true};
      if (digits.length >= longest) return {empty: false, complete: false, error: "invalid_number"};
      const pending = spec.lengths.includes(digits.length) ? "invalid_number" : "incomplete_number";
      return {empty: false, complete: false, pending};
    },
    expiry(value) {
      const digits = value.replace(/\D/g, "");
      if (!digits) return {empty: true, complete: false, pending: "incomplete_expiry"};
      const month = Number(digits.slice(0, 2));
      if (digits.length >= 2 && (month < 1 || month > 12)) {
        return {empty: false, complete: false, error: "invalid_expiry_month"};
      }
      if (digits.length < 4) return {empty: false, complete: false, pending: "incomplete_expiry"};
      const year = 2000 + Number(digits.slice(2, 4));
      const now = new Date();
      const thisYear = now.getFullYear();
      if (year < thisYear) return {empty: false, complete: false, error: "invalid_expiry_year_past"};
      if (year === thisYear && month < now.getMonth() + 1) {
        return {empty: false, complete: false, error: "invalid_expiry_month_past"};
      }
      if (year > thisYear + 50) return {empty: false, complete: false, error: "invalid_expiry_year"};
      return {empty: false, complete: true};
    },
    cvc(value, spec) {
      if (!value) return {empty: true, complete: false, pending: "incomplete_cvc"};
      if (value.length < Math.min(...spec.cvc)) return {empty: false, complete: false, pending: "incomplete_cvc"};
      return {empty: false, complete: true};
    },
    postal(value) {
      const trimmed = value.trim();
      if (!trimmed) return {empty: true, complete: false, pending: "incomplete_zip"};
      if (/^\d+$/.test(trimmed) ? trimmed.length < 5 : trimmed.length < 3) {
        return {empty: false, complete: false, pending: "incomplete_zip"};
      }
      return {empty: false, complete: true};
    },
  };

  /** What the customer typed, reformatted; `deleting` keeps "12 / " from coming back. */
  const FORMATS = {
    number(raw) {
      let digits = raw.replace(/\D/g, "");
      const spec = brandOf(digits);
      digits = digits.slice(0, Math.max(...spec.lengths));
      return formatNumber(digits, spec);
    },
    expiry(raw, deleting) {
      let digits = raw.replace(/\D/g, "");
      if (digits.length === 1 && (digits > "1" || raw.includes("/"))) digits = "0" + digits;
      digits = digits.slice(0, 4);
      if (digits.length > 2) return `${digits.slice(0, 2)} / ${digits.slice(2)}`;
      return digits.length === 2 && !deleting ? `${digits} / ` : digits;
    },
    cvc(raw, deleting, spec) {
      return raw.replace(/\D/g, "").slice(0, Math.max(...spec.cvc));
    },
    postal(raw) {
      return raw.replace(/[^A-Za-z0-9 -]/g, "").slice(0, 10).toUpperCase();
    },
  };

  // ------------------------------------------------------------ DOM helpers -----------

  function el(tag, attrs) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== undefined && value !== null) node.setAttribute(name, value);
    }
    return node;
  }

  const BASE_CSS = `
.TenderElement{display:flex;align-items:center;gap:.5em;width:100%;box-sizing:border-box}
.TenderElement input{border:0;outline:0;background:transparent;font:inherit;color:inherit;padding:0;margin:0;min-width:0;
  box-shadow:none;-webkit-appearance:none;appearance:none}
.TenderElement-number{flex:1 1 11em}.TenderElement-expiry{flex:0 1 4.3em}.TenderElement-cvc{flex:0 1 2.6em}
.TenderElement-postal{flex:0 1 3.8em}.TenderElement--single .TenderElement-input{flex:1 1 auto}
.TenderElement input.TenderElement-input--invalid{color:#df1b41}
.TenderElement-brand{flex:0 0 auto;display:inline-flex;align-items:center;justify-content:center;min-width:2.2em;
  height:1.5em;border-radius:3px;font:700 9px/1 system-ui,sans-serif;letter-spacing:.04em;color:#fff;background:#697386}
.TenderElement-brand[data-brand=unknown]{background:transparent;border:1.5px solid #aab7c4;min-width:2em;height:1.2em}
.TenderElement-brand[data-brand=visa]{background:#1a1f71}.TenderElement-brand[data-brand=mastercard]{background:#eb001b}
.TenderElement-brand[data-brand=amex]{background:#2e77bb}.TenderElement-brand[data-brand=discover]{background:#f58220}
.TenderPayment{font-family:var(--tender-font,system-ui,sans-serif);color:var(--tender-text,#30313d);display:grid;
  grid-template-columns:minmax(0,1fr);gap:12px}
.TenderPayment-tab{display:inline-flex;gap:8px;align-items:center;font-weight:600;font-size:.9em;
  border:2px solid var(--tender-primary,#0570de);border-radius:var(--tender-radius,5px);padding:8px 12px;
  color:var(--tender-primary,#0570de);justify-self:start}
.TenderPayment-row{display:flex;gap:12px}.TenderPayment-row>*{flex:1 1 0;min-width:0}
.TenderPayment label{display:block;font-size:.85em;margin:0 0 4px}
.TenderPayment-box{display:flex;align-items:center;gap:8px;background:var(--tender-background,#fff);
  border:1px solid #e6e6e6;border-radius:var(--tender-radius,5px);padding:10px 12px;
  box-shadow:0 1px 1px rgba(0,0,0,.03),0 3px 6px rgba(0,0,0,.02)}
.TenderPayment-box:focus-within{border-color:var(--tender-primary,#0570de);
  box-shadow:0 0 0 3px color-mix(in srgb,var(--tender-primary,#0570de) 25%,transparent)}
.TenderPayment-box input{flex:1 1 auto;border:0;outline:0;background:transparent;font:inherit;color:inherit;min-width:0}
.TenderPayment-box--invalid{border-color:var(--tender-danger,#df1b41)}
.TenderPayment-error{color:var(--tender-danger,#df1b41);font-size:.85em;margin-top:4px;min-height:0}
.TenderChallenge{position:fixed;inset:0;z-index:2147483647;background:rgba(10,20,40,.55);display:flex;
  align-items:center;justify-content:center}
.TenderChallenge-box{position:relative;background:#fff;border-radius:8px;width:min(480px,94vw);height:min(560px,90vh);
  overflow:hidden;box-shadow:0 10px 40px rgba(0,0,0,.35)}
.TenderChallenge-frame{width:100%;height:100%;border:0;display:block}
.TenderChallenge-close{position:absolute;top:6px;right:8px;border:0;background:transparent;font-size:24px;line-height:1;
  cursor:pointer;color:#697386;padding:4px 8px}
`;

  function injectStyles() {
    if (document.getElementById("tender-js-styles")) return;
    const style = el("style", {id: "tender-js-styles"});
    style.textContent = BASE_CSS;
    (document.head || document.documentElement).appendChild(style);
  }

  const CSS_PROPERTIES = [
    "color", "fontFamily", "fontSize", "fontStyle", "fontVariant", "fontWeight", "letterSpacing", "lineHeight",
    "textAlign", "textDecoration", "textShadow", "textTransform",
  ];

  // ------------------------------------------------------------ Elements --------------

  const PARTS = {
    number: {name: "cardnumber", autocomplete: "cc-number", placeholder: "Card number", inputmode: "numeric",
      label: "Card number", paymentPlaceholder: "1234 1234 1234 1234"},
    expiry: {name: "exp-date", autocomplete: "cc-exp", placeholder: "MM / YY", inputmode: "numeric",
      label: "Expiration date"},
    cvc: {name: "cvc", autocomplete: "cc-csc", placeholder: "CVC", inputmode: "numeric", label: "Security code"},
    postal: {name: "postal", autocomplete: "postal-code", placeholder: "ZIP", inputmode: "text",
      label: "ZIP / postal code", paymentPlaceholder: "12345"},
  };
  const ELEMENT_PARTS = {
    card: ["number", "expiry", "cvc", "postal"],
    cardNumber: ["number"],
    cardExpiry: ["expiry"],
    cardCvc: ["cvc"],
    payment: ["number", "expiry", "cvc", "postal"],
  };
  const SPLIT = ["cardNumber", "cardExpiry", "cardCvc"];
  const SPLIT_PART = {cardNumber: "number", cardExpiry: "expiry", cardCvc: "cvc"};
  let elementCount = 0;

  class CardElement {
    constructor(group, type, options) {
      this._group = group;
      this._type = type;
      this._options = {};
      this._handlers = {};
      this._values = {number: "", expiry: "", cvc: "", postal: ""};
      this._touched = {};
      this._inputs = {};
      this._errors = {};
      this._container = null;
      this._root = null;
      this._destroyed = false;
      this._submitted = false;
      this._focused = false;
      this._lastChange = null;
      this._uid = `TenderElement-${++elementCount}`;
      this._setOptions(options || {});
    }

    // -- the documented surface

    mount(target) {
      this._live();
      const node = typeof target === "string" ? document.querySelector(target) : target;
      if (!node || node.nodeType !== 1) {
        throw new IntegrationError(
          `The selector you specified (${target}) applies to no DOM elements that are currently on the page. ` +
          "Make sure the element exists on the page before calling mount().",
        );
      }
      if (this._container) this.unmount();
      injectStyles();
      this._container = node;
      node.classList.add("StripeElement");
      this._render();
      this._refresh("mount");
      setTimeout(() => this._container && this._emit("ready", {elementType: this._type}), 0);
    }

    unmount() {
      this._live();
      if (!this._container) return;
      this._root.remove();
      for (const name of ["StripeElement", "StripeElement--focus", "StripeElement--invalid", "StripeElement--complete",
        "StripeElement--empty"]) {
        this._container.classList.remove(name);
      }
      this._container = null;
      this._root = null;
      this._inputs = {};
      this._focused = false;
    }

    destroy() {
      if (this._destroyed) return;
      if (this._container) this.unmount();
      this._destroyed = true;
      this._group._forget(this);
    }

    update(options) {
      this._live();
      this._setOptions(options || {});
      if (this._container) {
        this._root.remove();
        this._inputs = {};
        this._errors = {};
        this._focused = false;
        this._render();
        this._refresh("update");
      }
    }

    clear() {
      this._live();
      this._values = {number: "", expiry: "", cvc: "", postal: ""};
      this._touched = {};
      this._submitted = false;
      for (const [part, input] of Object.entries(this._inputs)) input.value = this._values[part];
      this._refresh("input");
    }

    focus() {
      this._live();
      const first = this._parts().find((p) => !this._check(p).complete) || this._parts()[0];
      if (this._inputs[first]) this._inputs[first].focus();
    }

    blur() {
      this._live();
      const active = document.activeElement;
      if (active && this._root && this._root.contains(active)) active.blur();
    }

    on(event, handler) {
      (this._handlers[event] = this._handlers[event] || []).push(handler);
      return this;
    }

    once(event, handler) {
      const wrapped = (payload) => {
        this.off(event, wrapped);
        handler(payload);
      };
      return this.on(event, wrapped);
    }

    off(event, handler) {
      const list = this._handlers[event] || [];
      this._handlers[event] = handler ? list.filter((h) => h !== handler) : [];
      return this;
    }

    addEventListener(event, handler) {
      return this.on(event, handler);
    }

    removeEventListener(event, handler) {
      return this.off(event, handler);
    }

    // -- what the Stripe instance reads when confirming

    /** The first problem with the card data (shown on the form), or null when complete. */
    _validate() {
      for (const [element, part] of this._sources()) {
        if (!element) return validationError(CHECKS[part]("", UNKNOWN_BRAND).pending);
        element._live();
        if (!element._container) {
          throw new IntegrationError(
            "We could not retrieve data from the specified Element. Please make sure the Element you are " +
            "attempting to use is still mounted.",
          );
        }
        const check = element._check(part);
        const code = check.error || check.pending;
        if (code) {
          element._submitted = true;
          element._refresh("submit");
          return validationError(code);
        }
      }
      return null;
    }

    /** `card[...]` and the postal code, once _validate() passed. */
    _cardData() {
      const value = (part) => {
        const source = this._sources().find(([, p]) => p === part);
        return source && source[0] ? source[0]._values[part] : "";
      };
      const expiry = value("expiry").replace(/\D/g, "");
      return {
        card: {
          number: value("number").replace(/\D/g, ""),
          exp_month: Number(expiry.slice(0, 2)),
          exp_year: 2000 + Number(expiry.slice(2, 4)),
          cvc: value("cvc"),
        },
        postalCode: this._parts().includes("postal") ? this._values.postal.trim() : undefined,
      };
    }

    // -- internals

    _live() {
      if (this._destroyed) throw new IntegrationError("This Element has already been destroyed. Please create a new one.");
    }

    _setOptions(options) {
      const merged = Object.assign({}, this._options, options);
      if (options.style) merged.style = Object.assign({}, this._options.style, options.style);
      this._options = merged;
      const postal = options.value && options.value.postalCode;
      const defaults = options.defaultValues && options.defaultValues.billingDetails;
      const preset = postal || (defaults && defaults.address && defaults.address.postal_code);
      if (preset) this._values.postal = FORMATS.postal(String(preset));
    }

    /** [element, part] pairs that make up one card: split Elements gather their siblings. */
    _sources() {
      if (!SPLIT.includes(this._type)) return this._parts().map((part) => [this, part]);
      return SPLIT.map((type) => [this._group.getElement(type), SPLIT_PART[type]]);
    }

    _parts() {
      let parts = ELEMENT_PARTS[this._type];
      const fields = this._options.fields && this._options.fields.billingDetails;
      const address = fields === "never" ? "never" : fields && fields.address;
      const hidePostal = this._options.hidePostalCode ||
        address === "never" || (address && address.postalCode === "never");
      if (hidePostal) parts = parts.filter((p) => p !== "postal");
      return parts;
    }

    _brandSpec() {
      const numberElement = this._type === "cardCvc" ? this._group.getElement("cardNumber") : this;
      const number = numberElement ? numberElement._values.number : "";
      return brandOf(number.replace(/\D/g, ""));
    }

    _check(part) {
      return CHECKS[part](this._values[part], this._brandSpec());
    }

    _layout() {
      if (this._type === "payment") return "payment";
      return this._type === "card" ? "card" : "single";
    }

    _render() {
      const layout = this._layout();
      const root = el("div", {class: `${layout === "payment" ? "TenderPayment" : "TenderElement"} ${this._uid}`});
      if (layout === "single") root.classList.add("TenderElement--single");
      const parts = this._parts();
      const showIcon = !this._options.hideIcon && (layout === "card" || this._type === "cardNumber" && this._options.showIcon);
      if (layout === "payment") {
        this._applyAppearance(root);
        const tab = el("div", {class: "TenderPayment-tab"});
        tab.textContent = "Card";
        root.appendChild(tab);
        const field = (part) => {
          const wrap = el("div", {class: `TenderPayment-field TenderPayment-field--${part}`});
          const input = this._input(part, layout);
          const label = el("label", {for: input.id});
          label.textContent = PARTS[part].label;
          const box = el("div", {class: "TenderPayment-box"});
          box.appendChild(input);
          if (part === "number") box.appendChild(el("span", {class: "TenderElement-brand", "data-brand": "unknown"}));
          const error = el("div", {class: "TenderPayment-error", role: "alert"});
          this._errors[part] = error;
          wrap.append(label, box, error);
          return wrap;
        };
        root.appendChild(field("number"));
        const row = el("div", {class: "TenderPayment-row"});
        row.append(field("expiry"), field("cvc"));
        root.appendChild(row);
        if (parts.includes("postal")) root.appendChild(field("postal"));
      } else {
        if (showIcon) root.appendChild(el("span", {class: "TenderElement-brand", "data-brand": "unknown"}));
        for (const part of parts) root.appendChild(this._input(part, layout));
      }
      const placeholder = this._options.style && this._options.style.base && this._options.style.base["::placeholder"];
      if (placeholder && placeholder.color) {
        const rule = el("style");
        rule.textContent = `.${this._uid} input::placeholder{color:${String(placeholder.color).replace(/[;{}]/g, "")}}`;
        root.appendChild(rule);
      }
      root.addEventListener("focusin", () => this._focusIn());
      root.addEventListener("focusout", (event) => this._focusOut(event));
      this._root = root;
      this._container.appendChild(root);
    }

    _input(part, layout) {
      const spec = PARTS[part];
      const input = el("input", {
        id: `${this._uid}-${part}`,
        class: `TenderElement-input TenderElement-${part}`,
        name: spec.name,
        autocomplete: spec.autocomplete,
        inputmode: spec.inputmode,
        placeholder: layout === "payment" ? (spec.paymentPlaceholder || spec.placeholder) : spec.placeholder,
        "aria-label": spec.label,
        type: "text",
        autocorrect: "off",
        spellcheck: "false",
      });
      if (this._options.placeholder && layout === "single") input.placeholder = this._options.placeholder;
      input.value = this._values[part];
      input.disabled = Boolean(this._options.disabled);
      const base = (this._options.style && this._options.style.base) || {};
      for (const property of CSS_PROPERTIES) {
        if (base[property]) input.style[property] = base[property];
      }
      if (base.fontSmoothing) input.style.webkitFontSmoothing = base.fontSmoothing;
      input.addEventListener("input", (event) => this._typed(part, input, event));
      input.addEventListener("keydown", (event) => this._key(part, input, event));
      input.addEventListener("blur", () => {
        this._touched[part] = true;
      });
      this._inputs[part] = input;
      return input;
    }

    _applyAppearance(root) {
      const appearance = this._group._options.appearance || {};
      const vars = Object.assign(
        appearance.theme === "night" ? {colorBackground: "#30313d", colorText: "#ffffff"} : {},
        appearance.variables || {},
      );
      const map = {colorPrimary: "--tender-primary", colorText: "--tender-text", colorDanger: "--tender-danger",
        colorBackground: "--tender-background", fontFamily: "--tender-font", borderRadius: "--tender-radius"};
      for (const [name, property] of Object.entries(map)) {
        if (vars[name]) root.style.setProperty(property, String(vars[name]));
      }
    }

    _typed(part, input, event) {
      const raw = input.value;
      const caret = input.selectionStart === null ? raw.length : input.selectionStart;
      const atEnd = caret >= raw.length;
      const digitsBefore = raw.slice(0, caret).replace(/\D/g, "").length;
      const deleting = Boolean(event.inputType && event.inputType.startsWith("delete"));
      const formatted = FORMATS[part](raw, deleting, this._brandSpec());
      this._values[part] = formatted;
      if (formatted !== raw) {
        input.value = formatted;
        if (document.activeElement === input) {
          const position = atEnd || part !== "number" ? formatted.length : caretAfterDigits(formatted, digitsBefore);
          input.setSelectionRange(position, position);
        }
      }
      if (part === "number" && this._inputs.cvc) {
        // A brand change can shorten the CVC (amex 4 → visa 3).
        const cvc = FORMATS.cvc(this._values.cvc, false, this._brandSpec());
        if (cvc !== this._values.cvc) this._inputs.cvc.value = this._values.cvc = cvc;
      }
      this._refresh("input");
      const check = this._check(part);
      if (check.complete && atEnd && !deleting && part !== "postal") this._advance(part);
    }

    _key(part, input, event) {
      if (event.key === "Escape") this._emit("escape", {elementType: this._type});
      if (event.key !== "Backspace" || input.value || input.selectionStart !== 0) return;
      const parts = this._parts();
      const previous = this._inputs[parts[parts.indexOf(part) - 1]];
      if (previous) {
        event.preventDefault();
        previous.focus();
        previous.setSelectionRange(previous.value.length, previous.value.length);
      }
    }

    _advance(part) {
      const parts = this._parts();
      const next = this._inputs[parts[parts.indexOf(part) + 1]];
      if (next && !next.value) next.focus();
    }

    _focusIn() {
      if (this._focused) return;
      this._focused = true;
      this._container.classList.add("StripeElement--focus");
      if (this._options.classes && this._options.classes.focus) this._container.classList.add(this._options.classes.focus);
      this._emit("focus", {elementType: this._type});
    }

    _focusOut(event) {
      const next = event.relatedTarget;
      if (next && this._root && this._root.contains(next)) {
        this._refresh("blur");
        return;
      }
      this._focused = false;
      if (this._container) {
        this._container.classList.remove("StripeElement--focus");
        if (this._options.classes && this._options.classes.focus) this._container.classList.remove(this._options.classes.focus);
      }
      this._refresh("blur");
      this._emit("blur", {elementType: this._type});
    }

    /** Recomputes the state, redraws it, and emits `change` when it moved. */
    _refresh(reason) {
      const parts = this._parts();
      const brand = this._brandSpec().brand;
      const active = document.activeElement;
      let error = null;
      let empty = true;
      let complete = true;
      for (const part of parts) {
        const check = this._check(part);
        const input = this._inputs[part];
        const leftAlone = this._touched[part] && !check.empty && input !== active;
        const code = check.error || ((leftAlone || this._submitted) && check.pending) || null;
        empty = empty && check.empty;
        complete = complete && check.complete;
        if (code && !error) error = validationError(code);
        if (input) this._paintPart(part, input, code, check.complete);
      }
      if (this._container) {
        const classes = this._container.classList;
        classes.toggle("StripeElement--empty", empty);
        classes.toggle("StripeElement--complete", complete);
        classes.toggle("StripeElement--invalid", Boolean(error));
        const custom = this._options.classes || {};
        for (const [state, on] of [["invalid", Boolean(error)], ["complete", complete], ["empty", empty],
          ["focus", this._focused]]) {
          if (custom[state]) classes.toggle(custom[state], on);
        }
      }
      for (const icon of this._root ? this._root.querySelectorAll(".TenderElement-brand") : []) {
        icon.dataset.brand = brand;
        icon.textContent = BRAND_LABELS[brand] || "";
      }
      const payload = {elementType: this._type, empty, complete};
      if (this._type === "payment") {
        Object.assign(payload, {collapsed: false, value: {type: "card"}});
      } else {
        if (error) payload.error = error;
        if (this._type === "card" || this._type === "cardNumber") payload.brand = brand;
        if (this._type === "card") payload.value = {postalCode: this._parts().includes("postal") ? this._values.postal : ""};
      }
      const key = JSON.stringify([payload, error]);
      if (reason === "mount") {
        this._lastChange = key;
      } else if (reason === "input" || key !== this._lastChange) {
        this._lastChange = key;
        this._emit("change", payload);
      }
    }

    _paintPart(part, input, code, complete) {
      const style = this._options.style || {};
      input.classList.toggle("TenderElement-input--invalid", Boolean(code));
      input.setAttribute("aria-invalid", code ? "true" : "false");
      const base = (style.base && style.base.color) || "";
      const color = code ? (style.invalid && style.invalid.color) : complete ? (style.complete && style.complete.color) : null;
      input.style.color = color || base;
      const slot = this._errors[part];
      if (slot) {
        slot.textContent = code ? MESSAGES[code] : "";
        input.parentElement.classList.toggle("TenderPayment-box--invalid", Boolean(code));
      }
    }

    _emit(event, payload) {
      for (const handler of (this._handlers[event] || []).slice()) {
        try {
          handler(payload);
        } catch (err) {
          setTimeout(() => {
            throw err;
          }, 0);
        }
      }
    }
  }

  function caretAfterDigits(text, count) {
    if (count <= 0) return 0;
    let seen = 0;
    for (let i = 0; i < text.length; i++) {
      if (/\d/.test(text[i]) && ++seen === count) return i + 1;
    }
    return text.length;
  }

  class Elements {
    constructor(stripe, options) {
      this._stripe = stripe;
      this._options = Object.assign({}, options);
      this._elements = new Map();
    }

    create(type, options) {
      if (!ELEMENT_PARTS[type]) {
        throw new IntegrationError(
          `A valid Element name must be provided. Valid Elements are: ${Object.keys(ELEMENT_PARTS).join(", ")}; ` +
          `you passed: ${type}.`,
        );
      }
      if (this._elements.has(type)) throw new IntegrationError(`Can only create one Element of type ${type}.`);
      const element = new CardElement(this, type, options);
      this._elements.set(type, element);
      return element;
    }

    getElement(type) {
      return this._elements.get(type) || null;
    }

    update(options) {
      Object.assign(this._options, options);
      const payment = this.getElement("payment");
      if (payment && payment._container) payment.update({});
    }

    /** Validates the Payment Element before a deferred confirmation; resolves {} or {error}. */
    async submit() {
      const element = this._cardElement();
      const error = element ? element._validate() : null;
      return error ? {error} : {selectedPaymentMethod: "card"};
    }

    async fetchUpdates() {
      return {};
    }

    _cardElement() {
      return this.getElement("payment") || this.getElement("card") || this.getElement("cardNumber");
    }

    _forget(element) {
      if (this._elements.get(element._type) === element) this._elements.delete(element._type);
    }
  }

  // ------------------------------------------------------------- Stripe ---------------

  class TenderStripe {
    constructor(key, options) {
      if (typeof key !== "string" || !key) {
        throw new IntegrationError("Please call Stripe() with your publishable key. You used an empty string.");
      }
      if (/^(sk|rk)_/.test(key)) {
        throw new IntegrationError("You should not use your secret key with Stripe.js. Please pass a publishable key instead.");
      }
      const opts = Object.assign({}, options);
      Object.defineProperty(this, "_api", {
        value: new ApiClient(key, opts.apiBase || new URL(SCRIPT_SRC, global.location.href).origin, opts.apiVersion),
      });
    }

    elements(options) {
      return new Elements(this, options);
    }

    // -- PaymentMethods

    /** createPaymentMethod({type, card, billing_details}) | ('card', element, data) | ({elements, params}). */
    async createPaymentMethod(first, second, third) {
      let data;
      if (typeof first === "string") {
        data = Object.assign({}, third, {type: first, card: second});
      } else if (first && first.elements) {
        const element = first.elements._cardElement();
        if (!element) throw new IntegrationError("createPaymentMethod: the Elements group has no card or payment Element.");
        data = Object.assign({type: "card"}, first.params, {card: element});
      } else {
        data = Object.assign({}, first);
      }
      if (data.type !== "card") {
        throw new IntegrationError("createPaymentMethod: tender supports `type: 'card'` PaymentMethods only.");
      }
      const built = this._paymentMethodData(data);
      if (built.error) return built;
      const result = await this._api.request("POST", "/v1/payment_methods",
        Object.assign(built.data, {payment_user_agent: USER_AGENT}));
      return result.error ? {error: result.error} : {paymentMethod: result.object};
    }

    // -- PaymentIntents

    async retrievePaymentIntent(clientSecret) {
      parseSecret("retrievePaymentIntent", clientSecret, "payment_intent");
      return this._retrieve("payment_intent", clientSecret);
    }

    /** Confirms with the card data or PaymentMethod and runs 3-D Secure in a modal. */
    async confirmCardPayment(clientSecret, data, options) {
      parseSecret("confirmCardPayment", clientSecret, "payment_intent");
      const params = this._cardConfirmParams(data);
      if (params.error) return params;
      return this._confirm("payment_intent", clientSecret, params, {
        handleActions: !(options && options.handleActions === false),
        sdk: true,
      });
    }

    /** Manual confirmation: run only the pending action; the server confirms again after. */
    async handleCardAction(clientSecret) {
      parseSecret("handleCardAction", clientSecret, "payment_intent");
      const found = await this._retrieve("payment_intent", clientSecret);
      if (found.error) return found;
      const intent = found.paymentIntent;
      if (intent.confirmation_method !== "manual" && intent.status === "requires_action") {
        return {error: {
          type: "invalid_request_error",
          code: "payment_intent_unexpected_state",
          message: "handleCardAction: The PaymentIntent supplied does not require manual server-side confirmation. " +
            "Please use confirmCardPayment instead to complete the payment.",
          payment_intent: intent,
        }};
      }
      if (intent.status !== "requires_action") {
        return {error: {
          type: "invalid_request_error",
          code: "payment_intent_unexpected_state",
          message: `handleCardAction: The PaymentIntent supplied is not in the requires_action state; ` +
            `it has a status of ${intent.status}.`,
          payment_intent: intent,
        }};
      }
      return this._handleAction("payment_intent", clientSecret, intent);
    }

    /** handleNextAction({clientSecret}): the action of a PaymentIntent or SetupIntent confirmed elsewhere. */
    async handleNextAction(options) {
      const clientSecret = options && options.clientSecret;
      const {kind} = parseSecret("handleNextAction", clientSecret);
      const found = await this._retrieve(kind, clientSecret);
      if (found.error) return found;
      const intent = found[KINDS[kind].key];
      if (intent.status !== "requires_action") return this._settled(kind, intent);
      return this._handleAction(kind, clientSecret, intent);
    }

    /** The Payment Element flow: redirect to return_url unless `redirect: 'if_required'`. */
    async confirmPayment(options) {
      return this._confirmWithElements("confirmPayment", "payment_intent", options);
    }

    // -- SetupIntents

    async retrieveSetupIntent(clientSecret) {
      parseSecret("retrieveSetupIntent", clientSecret, "setup_intent");
      return this._retrieve("setup_intent", clientSecret);
    }

    async confirmCardSetup(clientSecret, data, options) {
      parseSecret("confirmCardSetup", clientSecret, "setup_intent");
      const params = this._cardConfirmParams(data);
      if (params.error) return params;
      return this._confirm("setup_intent", clientSecret, params, {
        handleActions: !(options && options.handleActions === false),
        sdk: true,
      });
    }

    async confirmSetup(options) {
      return this._confirmWithElements("confirmSetup", "setup_intent", options);
    }

    // -- internals

    async _confirmWithElements(method, kind, options) {
      const opts = Object.assign({}, options);
      const elements = opts.elements;
      const clientSecret = opts.clientSecret || (elements && elements._options.clientSecret);
      parseSecret(method, clientSecret, kind);
      const confirmParams = Object.assign({}, opts.confirmParams);
      const always = opts.redirect !== "if_required";
      if (always && !confirmParams.return_url) {
        throw new IntegrationError(
          `stripe.${method}(): the \`confirmParams.return_url\` argument is required unless passing ` +
          "`redirect: 'if_required'`",
        );
      }
      if (!confirmParams.payment_method) {
        const element = elements && elements._cardElement();
        if (!element) throw new IntegrationError(`stripe.${method}(): pass the \`elements\` that hold a payment Element.`);
        const built = this._paymentMethodData(Object.assign({}, confirmParams.payment_method_data, {card: element}));
        if (built.error) return built;
        confirmParams.payment_method_data = built.data;
      }
      // Redirect flows let the server answer `redirect_to_url`; the others handle 3DS here.
      const result = await this._confirm(kind, clientSecret, confirmParams, {handleActions: true, sdk: !always});
      const intent = result[KINDS[kind].key];
      if (always && intent) return navigate(returnUrlFor(confirmParams.return_url, kind, intent));
      return result;
    }

    /** {payment_method: 'pm_…' | {card: Element | {token}, billing_details}} → confirm parameters. */
    _cardConfirmParams(data) {
      const params = Object.assign({}, data);
      const method = params.payment_method;
      delete params.payment_method;
      if (typeof method === "string") {
        params.payment_method = method;
      } else if (method && typeof method === "object") {
        const built = this._paymentMethodData(Object.assign({type: "card"}, method));
        if (built.error) return built;
        params.payment_method_data = built.data;
      }
      return params;
    }

    /** {card: Element | {token}, billing_details, metadata} → `payment_method_data` / PaymentMethod create params. */
    _paymentMethodData(data) {
      const card = data.card;
      const billing = data.billing_details ? JSON.parse(JSON.stringify(data.billing_details)) : undefined;
      const out = {type: "card", billing_details: billing, metadata: data.metadata};
      if (card instanceof CardElement) {
        const error = card._validate();
        if (error) return {error};
        const {card: cardParams, postalCode} = card._cardData();
        out.card = cardParams;
        if (postalCode) {
          out.billing_details = out.billing_details || {};
          out.billing_details.address = out.billing_details.address || {};
          if (!out.billing_details.address.postal_code) out.billing_details.address.postal_code = postalCode;
        }
      } else if (card && typeof card === "object" && card.token) {
        out.card = {token: card.token};
      } else {
        throw new IntegrationError("Invalid value for card: pass a mounted card Element or {token: 'tok_…'}.");
      }
      return {data: out};
    }

    async _retrieve(kind, clientSecret) {
      const {id} = parseSecret("retrieve", clientSecret, kind);
      const result = await this._api.request("GET", `${KINDS[kind].path}/${id}`, {client_secret: clientSecret});
      return result.error ? {error: result.error} : {[KINDS[kind].key]: result.object};
    }

    async _confirm(kind, clientSecret, params, {handleActions, sdk}) {
      const {id} = parseSecret("confirm", clientSecret, kind);
      const body = Object.assign({}, params, {
        client_secret: clientSecret,
        use_stripe_sdk: sdk ? true : undefined,
        expected_payment_method_type: params.payment_method_data ? "card" : undefined,
        payment_user_agent: USER_AGENT,
      });
      const result = await this._api.request("POST", `${KINDS[kind].path}/${id}/confirm`, body);
      if (result.error) return this._confirmError(kind, clientSecret, result.error);
      const intent = result.object;
      if (intent.status === "requires_action" && handleActions) return this._handleAction(kind, clientSecret, intent);
      return {[KINDS[kind].key]: intent};
    }

    /** Stripe.js quirk (§10.1): confirming an intent that already succeeded resolves with it. */
    async _confirmError(kind, clientSecret, error) {
      if (error.code !== `${kind}_unexpected_state`) return {error};
      let intent = error[kind];
      if (!intent) {
        const found = await this._retrieve(kind, clientSecret);
        intent = found[KINDS[kind].key];
      }
      return intent && intent.status === "succeeded" ? {[KINDS[kind].key]: intent} : {error};
    }

    async _handleAction(kind, clientSecret, intent) {
      const action = intent.next_action || {};
      if (action.type === "redirect_to_url") return navigate(action.redirect_to_url.url);
      const sdk = action.type === "use_stripe_sdk" ? action.use_stripe_sdk || {} : {};
      const url = typeof sdk.stripe_js === "string" ? sdk.stripe_js : sdk.stripe_js && sdk.stripe_js.acs_url;
      if (!url) {
        return {error: {
          type: "invalid_request_error",
          code: `${kind}_unexpected_state`,
          message: `tender.js cannot handle a next_action of type ${action.type}.`,
          [kind]: intent,
        }};
      }
      const stillPending = async () => {
        const found = await this._retrieve(kind, clientSecret);
        const current = found[KINDS[kind].key];
        return !current || current.status === "requires_action";
      };
      const outcome = await openChallenge(url, stillPending);
      if (outcome === "closed") await abandonChallenge(url);
      const found = await this._retrieve(kind, clientSecret);
      if (found.error) return found;
      return this._settled(kind, found[KINDS[kind].key]);
    }

    /** After an action: a failed attempt resolves {error} carrying the intent, anything else the intent. */
    _settled(kind, intent) {
      const lastError = intent[KINDS[kind].lastError];
      if (intent.status === "requires_payment_method" && lastError) {
        return {error: Object.assign({}, lastError, {[kind]: intent})};
      }
      if (intent.status === "requires_action") {
        return {error: {
          type: "invalid_request_error",
          code: `${kind}_authentication_failure`,
          message: "The authentication was not completed. Please try again.",
          [kind]: intent,
        }};
      }
      return {[KINDS[kind].key]: intent};
    }
  }

  function Stripe(key, options) {
    return new TenderStripe(key, options);
  }
  Stripe.version = 3;
  Stripe.tender = VERSION;
  Stripe.IntegrationError = IntegrationError;

  global.Stripe = Stripe;
})(typeof window !== "undefined" ? window : this);
